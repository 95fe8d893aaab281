// Untrusted text made printable on one line.
#include <catch2/catch.hpp>

#include "common/text.h"

TEST_CASE("control characters and invalid UTF-8 are escaped, the rest passes unchanged", "[text][security]") {
  CHECK(orch::printable("plain ASCII, 100%") == "plain ASCII, 100%");
  CHECK(orch::printable("größe: 2 µs – ok") == "größe: 2 µs – ok");  // valid UTF-8
  CHECK(orch::printable("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(orch::printable("\x1b[31mred") == "\\x1b[31mred");
  CHECK(orch::printable(std::string("nul\0byte", 8)) == "nul\\x00byte");
  CHECK(orch::printable("del\x7f") == "del\\x7f");
  CHECK(orch::printable("c1 \xc2\x9b") == "c1 \\xc2\\x9b");  // U+009B, a terminal's CSI
  CHECK(orch::printable("bad \xff\xfe utf8 \xc3") == "bad \\xff\\xfe utf8 \\xc3");
  CHECK(orch::printable("overlong \xc0\xaf") == "overlong \\xc0\\xaf");
  CHECK(orch::printable("overlong3 \xe0\x80\xaf") == "overlong3 \\xe0\\x80\\xaf");
  CHECK(orch::printable("surrogate \xed\xa0\x80") == "surrogate \\xed\\xa0\\x80");
  CHECK(orch::printable("beyond \xf4\x90\x80\x80") == "beyond \\xf4\\x90\\x80\\x80");
  // Characters that make a line read backwards or break it on a terminal.
  CHECK(orch::printable("a\u202eXYZ") == "a\\xe2\\x80\\xaeXYZ");
  CHECK(orch::printable("line\u2028sep") == "line\\xe2\\x80\\xa8sep");
  CHECK(orch::printable("iso\u2066late") == "iso\\xe2\\x81\\xa6late");
  CHECK(orch::printable("emoji \U0001F600 ok") == "emoji \U0001F600 ok");
}

TEST_CASE("a first line is cut to its bytes at a character boundary and made printable", "[text][security]") {
  CHECK(orch::first_line("one\ntwo", 100) == "one");
  CHECK(orch::first_line("one\r\ntwo", 100) == "one");
  CHECK(orch::first_line("abcdef", 3) == "abc...");
  CHECK(orch::first_line("ab\xc3\xa9", 3) == "ab...");  // not half of é
  CHECK(orch::first_line("x\x1b[2Jy", 100) == "x\\x1b[2Jy");
  CHECK(orch::first_line(std::string(10 << 20, 'x'), 500).size() == 503);
}

TEST_CASE("control characters are found, printable text is not flagged", "[text][security]") {
  CHECK(orch::has_control_character("a\nb"));
  CHECK(orch::has_control_character("\x1b"));
  CHECK(orch::has_control_character("\xc2\x85"));  // U+0085, next line
  CHECK(orch::has_control_character("right\u202eleft"));
  CHECK_FALSE(orch::has_control_character("taskset cpuset=0-1, OMP_NUM_THREADS=2"));
  CHECK_FALSE(orch::has_control_character("größe"));
}
