// Slurm jobs and the ingest of their DBs (see slurm_job_records.h).
#include "store/slurm_job_records.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cstdio>

#include "common/clock.h"
#include "common/text.h"
#include "measure/hosts.h"
#include "store/row_mapping.h"

namespace orch {

int64_t SlurmJobRecords::add_slurm_job(int64_t experiment_id, std::optional<int> replica, const std::string& share,
                                       const std::string& job_db) {
  return db_.guarded([&] {
    db_.insert_row("slurm_jobs", {{"experiment_id", experiment_id},
                                  {"replica", replica ? Value(int64_t{*replica}) : Value()},
                                  {"share", share},
                                  {"job_db", job_db},
                                  {"submitted_at", utc_timestamp()}});
    return db_.last_insert_id();
  });
}

void SlurmJobRecords::set_slurm_job_id(int64_t row_id, int64_t job_id) {
  db_.guarded([&] {
    SQLite::Statement update(db_.sqlite(), "UPDATE slurm_jobs SET job_id = ? WHERE id = ?");
    update.bind(1, job_id);
    update.bind(2, row_id);
    update.exec();
  });
}

std::vector<SlurmJobRow> SlurmJobRecords::slurm_jobs(int64_t experiment_id) {
  return db_.guarded([&] {
    return mapped<SlurmJobRow>(db_.select_rows("SELECT * FROM slurm_jobs WHERE experiment_id = ? ORDER BY id",
                                               [&](SQLite::Statement& query) { query.bind(1, experiment_id); }),
                               slurm_job_row);
  });
}

std::vector<int64_t> SlurmJobRecords::experiments_with_uncollected_jobs() {
  return db_.guarded([&] {
    std::vector<int64_t> ids;
    SQLite::Statement query(
        db_.sqlite(),
        "SELECT DISTINCT experiment_id FROM slurm_jobs WHERE collected_at IS NULL ORDER BY experiment_id");
    while (query.executeStep()) ids.push_back(query.getColumn(0).getInt64());
    return ids;
  });
}

void SlurmJobRecords::finish_slurm_job(int64_t row_id, const Columns& end, int64_t runs_collected) {
  db_.guarded([&] {
    SQLite::Statement update(db_.sqlite(),
                             "UPDATE slurm_jobs SET state = ?, exit_code = ?, state_source = ?, node = ?, "
                             "collected_at = ?, runs_collected = ? WHERE id = ?");
    int index = 0;
    for (const char* name : {"state", "exit_code", "state_source", "node"}) {
      const std::string text = text_of(value_of(end, name));
      if (text.empty())
        update.bind(++index);
      else
        update.bind(++index, text);
    }
    update.bind(++index, utc_timestamp());
    update.bind(++index, runs_collected);
    update.bind(++index, row_id);
    update.exec();
  });
}

int64_t SlurmJobRecords::host_id(const ExperimentRow& experiment) {
  const Columns& row = experiment.columns;
  return db_.guarded([&] {
    std::string where, names, marks;
    for (const char* name : kHostFactColumns) {
      where += std::string(where.empty() ? "" : " AND ") + name + " = ?";
      names += std::string(names.empty() ? "" : ", ") + name;
      marks += marks.empty() ? "?" : ", ?";
    }
    // Unknown facts are stored as '' and 0, so that one machine is one row.
    auto bind = [&](SQLite::Statement& statement) {
      int index = 0;
      for (const char* name : kHostFactColumns) {
        const Value& value = value_of(row, name);
        if (std::string(name) == "memory_mib")
          statement.bind(++index, integer_of(value).value_or(0));
        else
          statement.bind(++index, text_of(value));
      }
    };
    SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(db_.sqlite(), "SELECT id FROM hosts WHERE " + where);
    bind(find);
    if (find.executeStep()) return find.getColumn(0).getInt64();
    SQLite::Statement insert(db_.sqlite(), "INSERT INTO hosts (" + names + ") VALUES (" + marks + ")");
    bind(insert);
    insert.exec();
    const int64_t id = db_.last_insert_id();
    transaction.commit();
    return id;
  });
}

void SlurmJobRecords::record_unfinished_run(int64_t cell_id, int run_index, bool warmup, const std::string& status,
                                            const std::string& reason, int64_t slurm_job_id) {
  db_.guarded([&] {
    SQLite::Transaction transaction(db_.sqlite(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement stored(db_.sqlite(), "SELECT 1 FROM runs WHERE cell_id = ? AND run_index = ?");
    stored.bind(1, cell_id);
    stored.bind(2, run_index);
    if (stored.executeStep()) return;
    stored.reset();
    db_.insert_row("runs", {{"cell_id", cell_id},
                            {"run_index", int64_t{run_index}},
                            {"is_warmup", int64_t{warmup}},
                            {"status", status},
                            {"reason", reason},
                            {"started_at", utc_timestamp()},
                            {"command_line", std::string("(Slurm job ") + std::to_string(slurm_job_id) + ")"},
                            {"slurm_job_id", slurm_job_id}});
    history_.refresh_cell_statistics(cell_id);
    transaction.commit();
  });
}

AttachedJobDb::AttachedJobDb(SlurmJobRecords& jobs, const std::string& path) : jobs_(jobs) {
  {
    const Database checked(path, Database::Access::kRead, jobs.db_.stop_check());
  }  // its folder, owner, integrity, triggers, schema
  // A URI, so that it is attached read only; its characters that a URI reads are escaped.
  std::string uri = "file:";
  for (const char c : open_path(path, "a Slurm job's DB").resolved) {
    if (c == '%' || c == '?' || c == '#') {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", static_cast<unsigned char>(c));
      uri += escaped;
    } else {
      uri += c;
    }
  }
  jobs_.db_.guarded([&] {
    SQLite::Statement attach(jobs_.db_.sqlite(), "ATTACH DATABASE ? AS job");
    attach.bind(1, uri + "?mode=ro");
    attach.exec();
  });
}

AttachedJobDb::~AttachedJobDb() {
  try {
    jobs_.db_.sqlite().exec("DETACH DATABASE job");
  } catch (const SQLite::Exception&) {
  }
}

std::vector<ExperimentRow> AttachedJobDb::experiments() {
  return jobs_.db_.guarded([&] {
    return mapped<ExperimentRow>(jobs_.db_.select_rows("SELECT * FROM job.experiments ORDER BY id"), experiment_row);
  });
}

std::vector<JobRunRow> AttachedJobDb::ended_runs(int64_t experiment_id) {
  return jobs_.db_.guarded([&] {
    return mapped<JobRunRow>(
        jobs_.db_.select_rows(
            "SELECT r.id, r.run_index, c.cell_index, c.stop_reason FROM job.runs r "
            "JOIN job.cells c ON c.id = r.cell_id WHERE c.experiment_id = ? AND r.status NOT IN ('running', "
            "'aborted') ORDER BY r.id",
            [&](SQLite::Statement& query) { query.bind(1, experiment_id); }),
        job_run_row);
  });
}

namespace {

// The columns of `table` in schema `schema`, less those named in `except`.
std::string column_list(SQLite::Database& db, const std::string& schema, const std::string& table,
                        const std::vector<std::string>& except) {
  SQLite::Statement info(db, "SELECT name FROM pragma_table_info(?, ?) ORDER BY cid");
  info.bind(1, table);
  info.bind(2, schema);
  std::string names;
  while (info.executeStep()) {
    const std::string name = info.getColumn(0).getString();
    if (std::find(except.begin(), except.end(), name) == except.end()) names += (names.empty() ? "" : ", ") + name;
  }
  return names;
}

}  // namespace

bool AttachedJobDb::ingest_run(int64_t job_run_id, int64_t cell_id, int64_t host_id, int64_t slurm_job_id) {
  return jobs_.db_.guarded([&] {
    SQLite::Database& db = jobs_.db_.sqlite();
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement stored(
        db,
        "SELECT m.id, m.is_warmup = 1 OR m.status LIKE 'slurm\\_%' ESCAPE '\\' "
        "FROM runs m JOIN job.runs j ON j.run_index = m.run_index WHERE m.cell_id = ? AND j.id = ?");
    stored.bind(1, cell_id);
    stored.bind(2, job_run_id);
    if (stored.executeStep()) {
      if (stored.getColumn(1).getInt() == 0) return false;
      const int64_t old_id = stored.getColumn(0).getInt64();
      stored.reset();
      jobs_.experiments_.delete_runs("SELECT ?", [&](SQLite::Statement& statement) { statement.bind(1, old_id); });
    }
    // The main schema's columns: both DBs are at this build's schema.
    const std::string runs = column_list(db, "main", "runs", {"id", "cell_id", "host_id", "slurm_job_id"});
    SQLite::Statement copy_run(db, "INSERT INTO runs (" + runs + ", cell_id, host_id, slurm_job_id) SELECT " + runs +
                                       ", ?, ?, ? FROM job.runs WHERE id = ?");
    copy_run.bind(1, cell_id);
    copy_run.bind(2, host_id);
    copy_run.bind(3, slurm_job_id);
    copy_run.bind(4, job_run_id);
    copy_run.exec();
    const int64_t run_id = db.getLastInsertRowid();
    for (const char* table : {"phases", "samples"}) {
      const std::string columns = column_list(db, "main", table, {"run_id"});
      SQLite::Statement copy(db, std::string("INSERT INTO ") + table + " (run_id, " + columns + ") SELECT ?, " +
                                     columns + " FROM job." + table + " WHERE run_id = ?");
      copy.bind(1, run_id);
      copy.bind(2, job_run_id);
      copy.exec();
    }
    jobs_.history_.refresh_cell_statistics(cell_id);
    transaction.commit();
    return true;
  });
}

}  // namespace orch
