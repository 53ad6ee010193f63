#include "tollgate/store/journal.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include <gtest/gtest.h>

namespace tollgate::store {
namespace {

using json = nlohmann::json;

std::string temp_path() {
    char tmpl[] = "/tmp/tg-journal-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    ::close(fd);
    std::remove(tmpl);
    return tmpl;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const json op1 = json::array({{{"op", "del_key"}, {"id", "a"}}});
const json op2 = json::array({{{"op", "del_key"}, {"id", "b"}}});

TEST(Journal, LinesCarryAChecksumAndRoundTrip) {
    const std::string bytes = encode_journal_line(op1) + encode_journal_line(op2);
    const auto c = decode_journal(bytes);
    EXPECT_TRUE(c.damage.empty());
    EXPECT_FALSE(c.torn_tail);
    ASSERT_EQ(c.batches.size(), 2u);
    EXPECT_EQ(c.batches[1], op2);
    EXPECT_EQ(c.good_bytes, bytes.size());
}

TEST(Journal, ATornLastLineIsSkipped) {
    const std::string good = encode_journal_line(op1);
    const std::string second = encode_journal_line(op2);
    for (std::size_t cut = 1; cut < second.size(); ++cut) {
        const auto c = decode_journal(good + second.substr(0, cut));
        EXPECT_TRUE(c.torn_tail) << cut;
        EXPECT_TRUE(c.damage.empty()) << cut;
        EXPECT_EQ(c.batches.size(), 1u) << cut;
        EXPECT_EQ(c.good_bytes, good.size()) << cut;
    }
    // A whole last line with a flipped byte is a torn write too.
    std::string flipped = second;
    flipped[12] ^= 1;
    EXPECT_TRUE(decode_journal(good + flipped).torn_tail);
}

TEST(Journal, DamageBeforeTheLastLineIsReported) {
    std::string first = encode_journal_line(op1);
    first[15] ^= 1;
    const auto c = decode_journal(first + encode_journal_line(op2));
    EXPECT_EQ(c.damage, "line 1: checksum mismatch");
}

TEST(JournalFile, AppendsSurviveReopenAndATornTailIsCutOff) {
    const auto path = temp_path();
    {
        auto [file, contents] = journal_file::open(path, true);
        EXPECT_TRUE(contents.batches.empty());
        ASSERT_TRUE(file.append(op1));
        ASSERT_TRUE(file.append(op2));
    }
    {
        std::ofstream(path, std::ios::app) << "0badc0de [{\"op\":";  // a crash mid-write
    }
    {
        auto [file, contents] = journal_file::open(path, true);
        EXPECT_TRUE(contents.torn_tail);
        EXPECT_EQ(contents.batches.size(), 2u);
        ASSERT_TRUE(file.append(op1));  // continues on a clean line
    }
    auto [file, contents] = journal_file::open(path, false);
    EXPECT_FALSE(contents.torn_tail);
    EXPECT_EQ(contents.batches.size(), 3u);
    std::remove(path.c_str());
}

TEST(JournalFile, RewriteReplacesEverythingWithTheSnapshot) {
    const auto path = temp_path();
    auto [file, contents] = journal_file::open(path, true);
    ASSERT_TRUE(file.append(op1));
    ASSERT_TRUE(file.append(op2));
    EXPECT_EQ(file.appended(), 2u);
    ASSERT_TRUE(file.rewrite(op2));
    EXPECT_EQ(file.appended(), 0u);
    ASSERT_TRUE(file.append(op1));
    EXPECT_EQ(read_all(path), encode_journal_line(op2) + encode_journal_line(op1));
    std::remove(path.c_str());
}

TEST(JournalFile, RefusesToOpenADamagedJournal) {
    const auto path = temp_path();
    std::string first = encode_journal_line(op1);
    first[15] ^= 1;
    std::ofstream(path) << first << encode_journal_line(op2);
    EXPECT_THROW(journal_file::open(path, true), std::runtime_error);
    std::remove(path.c_str());
}

}  // namespace
}  // namespace tollgate::store

namespace tollgate::store {
namespace {

// store.path: /dev/zero once read without end until bad_alloc; a device or a FIFO is refused
// with a message naming the key.
TEST(JournalFile, RefusesWhatIsNotARegularFile) {
    try {
        journal_file::open("/dev/zero", false);
        FAIL() << "opened /dev/zero as a journal";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("store.path /dev/zero: not a regular file"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace tollgate::store
