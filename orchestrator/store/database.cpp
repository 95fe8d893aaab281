// The results DB's file and connection (see database.h).
#include "store/database.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <variant>

#include "common/text.h"
#include "matrix/settings.h"
#include "store/schema_migrations.h"

namespace orch {
namespace {

constexpr int kBusyTimeoutMs = 10000;

std::atomic<double> query_budget_s{Database::kDefaultQueryBudgetS};

}  // namespace

std::string capped_text(const SQLite::Column& column, size_t max_bytes) {
  const char* text = static_cast<const char*>(column.getBlob());
  const size_t bytes = static_cast<size_t>(column.getBytes());
  if (text == nullptr) return {};
  if (bytes <= max_bytes) return std::string(text, bytes);
  return std::string(text, max_bytes) + "...";
}

void Database::set_query_budget(double seconds) { query_budget_s = seconds; }

Database::Database(const std::string& path, Access access, StopCheck stopped)
    : path_(path), read_only_(access == Access::kRead) {
  clock_.stopped = std::move(stopped);
  const bool read_only = read_only_;
  const PathInFolder file = open_path(path, "the results DB");
  check_folder(file);
  if (struct stat st{}; read_only && ::fstatat(file.folder.get(), file.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    throw UserError("no results DB at " + printable(path) + ": " + std::strerror(errno),
                    "give the --db that `orchestrator run` stored its results in");
  clock_.budget = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(query_budget_s.load()));
  try {
    // The path has no symbolic link left in it; NOFOLLOW makes SQLite refuse one that
    // appears in it after all.
    db_ = std::make_unique<SQLite::Database>(
        file.resolved, (read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) |
                           SQLite::OPEN_NOFOLLOW | SQLite::OPEN_URI);
    check_file(file);
    db_->setBusyTimeout(kBusyTimeoutMs);
    distrust_schema();
    opened_at_version_ = schema_version();
    if (read_only) {
      check_integrity();
      check_readable_version();
      check_tables(opened_at_version_);
      return;
    }
    // Switching a new DB to WAL while others open it too can be refused as busy
    // without the busy handler being asked: the set-up is then tried again.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    for (;;) {
      try {
        check_integrity();
        if (opened_at_version_ > 0 && opened_at_version_ <= latest_schema_version()) check_tables(opened_at_version_);
        db_->exec("PRAGMA journal_mode = WAL");
        db_->exec("PRAGMA foreign_keys = ON");
        migrate();
        break;
      } catch (const SQLite::Exception& e) {
        if ((e.getErrorCode() & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > give_up) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_CORRUPT || e.getErrorCode() == SQLITE_NOTADB) throw damaged(e.what());
    throw failed(e, "cannot open results DB " + printable(path),
                 "check that its folder exists and is writable, and that it is an orchestrator DB");
  }
}

Database::~Database() = default;

UserError Database::failed(const std::exception& e, const std::string& doing, const std::string& hint) const {
  const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e);
  if (sqlite && (sqlite->getErrorCode() & 0xff) == SQLITE_INTERRUPT) {
    if (const std::string why = clock_.stopped ? clock_.stopped() : ""; !why.empty())
      return UserError(doing + ": interrupted by " + why + "; what was stored before is kept", {}, kExitInterrupted);
    if (clock_.overran)
      return UserError(
          doing + ": a query of " + printable(path_) + " ran past its budget of " +
              format_number(std::chrono::duration<double>(clock_.budget).count(), 1) +
              " s; a DB whose tables hold what this orchestrator stores answers in milliseconds",
          "check the DB (sqlite3 " + printable(path_) + " .schema); if it is only very large, raise --query-timeout");
  }
  return UserError(doing + ": " + e.what(), hint);
}

// A reader reads only what this build writes: the same schema version, no older.
void Database::check_readable_version() {
  const int version = opened_at_version_;
  if (version == latest_schema_version()) return;
  const bool tables = db_->execAndGet(
                             "SELECT COUNT(*) FROM main.sqlite_master WHERE type IN ('table', 'view') AND "
                             "name IN ('experiments', 'cells', 'runs')")
                          .getInt() > 0;
  if (version == 0 && !tables)
    throw UserError(printable(path_) + " is not an orchestrator results DB (it has no experiments, cells or runs)",
                    "give the --db that `orchestrator run` stored its results in");
  if (version > 0 && version < latest_schema_version())
    throw UserError("results DB " + printable(path_) + " was written by an older orchestrator (schema version " +
                        std::to_string(version) + "; this one reads " + std::to_string(latest_schema_version()) +
                        "), and reading never changes a DB",
                    "upgrade it once with `orchestrator upgrade-db --db " + printable(path_) +
                        "` (copy it first if an older orchestrator still reads it)");
  throw UserError("cannot read " + printable(path_) + ": its schema is version " + std::to_string(version) +
                  ", this orchestrator's " + std::to_string(latest_schema_version()) + " (written by another build)");
}

namespace {

// A table's columns as PRAGMA table_info gives them: "name type", in order.
using TableColumns = std::vector<std::string>;

std::map<std::string, TableColumns> tables_of(SQLite::Database& db) {
  std::map<std::string, TableColumns> tables;
  SQLite::Statement names(db,
                          "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                          "ESCAPE '\\'");
  while (names.executeStep()) tables[names.getColumn(0).getString()];
  for (auto& [table, columns] : tables) {
    SQLite::Statement info(db, "SELECT name, type FROM pragma_table_info(?, 'main') ORDER BY cid");
    info.bind(1, table);
    while (info.executeStep()) columns.push_back(info.getColumn(0).getString() + " " + info.getColumn(1).getString());
  }
  return tables;
}

// The tables this build's migrations make at `version`, from an in-memory DB.
const std::map<std::string, TableColumns>& tables_at(int version) {
  static std::mutex mutex;
  static std::map<int, std::map<std::string, TableColumns>> made;
  const std::lock_guard<std::mutex> lock(mutex);
  if (auto found = made.find(version); found != made.end()) return found->second;
  SQLite::Database memory(":memory:", SQLite::OPEN_READWRITE);
  for (int step = 0; step < version; ++step) memory.exec(schema_migrations()[static_cast<size_t>(step)]);
  return made[version] = tables_of(memory);
}

}  // namespace

// Every table the schema has at `version` must be a table with its columns: a view
// in its place (an endless recursive one, say) or a table of other columns would run
// or break inside the orchestrator's own queries.
void Database::check_tables(int version) {
  const auto expected = tables_at(version);
  const auto found = tables_of(*db_);
  for (const auto& [table, columns] : expected) {
    const auto it = found.find(table);
    if (it == found.end())
      throw UserError("cannot use results DB " + printable(path_) + ": its schema version is " +
                          std::to_string(version) + ", but it has no table '" + table +
                          "' (a view or nothing in its place)",
                      "it was not written by an orchestrator, or was changed since: use another --db");
    if (it->second != columns)
      throw UserError("cannot use results DB " + printable(path_) + ": its table '" + table +
                          "' does not have the columns schema version " + std::to_string(version) + " gives it",
                      "it was not written by an orchestrator, or was changed since: use another --db");
  }
}

void Database::use_temp_views() {
  std::string views = schema_views();
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"DROP VIEW IF EXISTS ", "DROP VIEW IF EXISTS temp."},
        {"CREATE VIEW ", "CREATE TEMP VIEW "}})
    for (size_t at = views.find(from); at != std::string::npos; at = views.find(from, at + to.size()))
      views.replace(at, from.size(), to);
  db_->exec(views);
}

UserError Database::damaged(const std::string& why) const {
  return UserError(
      "results DB " + printable(path_) + " is damaged (" + first_line(why, 200) + "); nothing was launched",
      "restore it from a backup, or rescue what it holds with `sqlite3 " + printable(path_) +
          " .recover | sqlite3 new.db`, then use --db new.db");
}

void Database::check_folder(const PathInFolder& file) const {
  // SQLite keeps the DB's -wal and -shm (and -journal) files beside it: in a folder
  // that someone else may write, they could be made beforehand and kept open, and
  // then read or changed. The sticky bit does not help there.
  struct stat st {};
  const std::string folder = file.resolved.substr(0, file.resolved.rfind('/') + 1);
  if (::fstat(file.folder.get(), &st) != 0)
    throw UserError("cannot use results DB " + printable(path_) + ": " + std::strerror(errno));
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    throw UserError("cannot use results DB " + printable(path_) + ": its folder " + printable(folder) + " belongs to " +
                        user_name(st.st_uid) + ", who could plant its -wal and -shm files",
                    "keep the DB in a folder of your own that only you can write");
  // Group-writable is fine when the group is this process's own (a user-private group).
  if ((st.st_mode & S_IWOTH) != 0 || ((st.st_mode & S_IWGRP) != 0 && st.st_gid != ::getegid()))
    throw UserError("cannot use results DB " + printable(path_) + ": its folder " + printable(folder) +
                        " may be written by other users, who could plant its -wal and -shm files and read or change "
                        "what it holds",
                    "keep the DB in a folder of your own that only you can write (chmod go-w, or another --db)");
}

void Database::check_file(const PathInFolder& file) const {
  struct stat st {};
  if (::fstatat(file.folder.get(), file.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
      st.st_nlink != 1)
    throw UserError("cannot use results DB " + printable(path_) +
                        ": it is not a regular file with one link (a hard link could lead to a file elsewhere)",
                    "choose another --db");
  if (st.st_uid != ::geteuid())
    throw UserError("cannot use results DB " + printable(path_) + ": it belongs to " + user_name(st.st_uid) +
                        ", who could change what it holds and what runs inside its writes (triggers)",
                    "use a DB of the user the orchestrator runs as (chown it, or choose another --db)");
}

// A DB's own SQL runs inside the orchestrator's statements: triggers (which it never
// makes) are refused, functions in its schema are untrusted, and a stop signal
// aborts whatever statement is running, so that SIGTERM works even there.
void Database::distrust_schema() {
  db_->exec("PRAGMA trusted_schema = OFF");
  const int triggers = db_->execAndGet("SELECT COUNT(*) FROM main.sqlite_master WHERE type = 'trigger'").getInt();
  if (triggers > 0)
    throw UserError("cannot use results DB " + printable(path_) + ": it has " + std::to_string(triggers) +
                        " trigger(s), which no orchestrator makes; they would run inside every run it stores",
                    "drop them (sqlite3 " + printable(path_) + " .schema shows them), or use another --db");
  // Each statement's clock starts when it begins to run (SQLITE_TRACE_STMT); the
  // progress handler, every few thousand steps of it, ends it at a stop signal or past
  // its budget.
  sqlite3_trace_v2(
      db_->getHandle(), SQLITE_TRACE_STMT,
      [](unsigned, void* clock, void*, void*) {
        static_cast<QueryClock*>(clock)->started = std::chrono::steady_clock::now();
        return 0;
      },
      &clock_);
  sqlite3_progress_handler(
      db_->getHandle(), 1000,
      [](void* context) {
        auto* clock = static_cast<QueryClock*>(context);
        if (clock->stopped && !clock->stopped().empty()) return 1;
        clock->overran = std::chrono::steady_clock::now() - clock->started > clock->budget;
        return clock->overran ? 1 : 0;
      },
      &clock_);
}

void Database::check_integrity() {
  const std::string verdict = db_->execAndGet("PRAGMA quick_check(1)").getString();
  if (verdict != "ok") throw damaged("PRAGMA quick_check: " + verdict);
}

// Cells stored before their settings were hashed (schema 13) get their hash, from
// the same stored columns a new cell's is made of.
void Database::fill_settings_hashes() {
  const auto cells = select_rows("SELECT * FROM cells WHERE settings_hash IS NULL", [](SQLite::Statement&) {});
  SQLite::Statement update(*db_, "UPDATE cells SET settings_hash = ? WHERE id = ?");
  for (const auto& cell : cells) {
    update.reset();
    update.bind(1, settings_hash(cell));
    update.bind(2, std::get<int64_t>(value_of(cell, "id")));
    update.exec();
  }
}

int Database::latest_schema_version() { return static_cast<int>(schema_migrations().size()); }

int Database::schema_version() const { return db_->execAndGet("PRAGMA user_version").getInt(); }

void Database::migrate() {
  // IMMEDIATE: the write lock from the start, and the version read under it, so two
  // orchestrators opening a new DB at once migrate it once, one after the other.
  // The views are then recreated as this build defines them, in the same transaction
  // (a reader never sees them half made), so a fixed view reaches every DB.
  SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
  const int current = schema_version();
  if (current < 0)
    throw UserError("results DB " + printable(path_) + " has schema version " + std::to_string(current) +
                        ", which no orchestrator writes (PRAGMA user_version)",
                    "use another --db");
  if (current > latest_schema_version())
    throw UserError("results DB " + printable(path_) + " has schema version " + std::to_string(current) +
                        ", newer than this orchestrator's " + std::to_string(latest_schema_version()),
                    "use a newer orchestrator, or another --db");
  if (current == 0 && db_->execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                      "('experiments', 'cells', 'runs', 'phases', 'samples')")
                              .getInt() > 0)
    throw UserError("results DB " + printable(path_) +
                        " has orchestrator tables but schema version 0 (PRAGMA user_version): its version was "
                        "reset, or another program made them",
                    "use another --db; or, if you know which version its tables have, set PRAGMA user_version to it");
  for (int version = current; version < latest_schema_version(); ++version)
    db_->exec(schema_migrations()[static_cast<size_t>(version)]);
  if (current < latest_schema_version()) db_->exec("PRAGMA user_version = " + std::to_string(latest_schema_version()));
  fill_settings_hashes();
  db_->exec(schema_views());
  transaction.commit();
}

void Database::run_guarded(const std::function<void()>& body) {
  try {
    body();
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_CORRUPT || e.getErrorCode() == SQLITE_NOTADB) throw damaged(e.what());
    if (read_only_) throw failed(e, "cannot read results DB " + printable(path_), {});
    throw failed(e, "cannot store a run in " + printable(path_),
                 "runs stored before are safe in the DB; fix the cause (disk space?), then "
                 "`orchestrator run --resume` with the same matrix");
  }
}

int64_t Database::last_insert_id() { return db_->getLastInsertRowid(); }

std::vector<Columns> Database::select_rows(const std::string& sql,
                                           const std::function<void(SQLite::Statement&)>& bind) {
  SQLite::Statement query(*db_, sql);
  if (bind) bind(query);
  std::vector<Columns> rows;
  while (query.executeStep()) {
    Columns& row = rows.emplace_back();
    for (int index = 0; index < query.getColumnCount(); ++index) {
      const SQLite::Column column = query.getColumn(index);
      Value value;
      if (column.isInteger())
        value = column.getInt64();
      else if (column.isFloat())
        value = column.getDouble();
      else if (column.isText() || column.isBlob())
        value = capped_text(column, kMaxArgumentBytes);
      row.push_back({query.getColumnName(index), std::move(value)});
    }
  }
  return rows;
}

void Database::insert_row(const std::string& table, const Columns& columns, bool replace) {
  std::string names, marks;
  for (const auto& [name, value] : columns) {
    names += (names.empty() ? "" : ", ") + name;
    marks += marks.empty() ? "?" : ", ?";
  }
  SQLite::Statement insert(*db_, std::string(replace ? "INSERT OR REPLACE" : "INSERT") + " INTO " + table + " (" +
                                     names + ") VALUES (" + marks + ")");
  int index = 0;
  for (const auto& [name, value] : columns) {
    ++index;
    std::visit(
        [&](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>)
            insert.bind(index);
          else
            insert.bind(index, v);
        },
        value);
  }
  insert.exec();
}

}  // namespace orch
