#pragma once

// Rows another domain would have written, put straight into a test server's database: the match
// two people got (as matching stores it), its conversation and messages, reports, blocks,
// friendships, trust and queue entries. For tests of one domain whose input comes from another.
// A statement that fails fails the calling test, at the caller's line.

#include "tests/support/Accounts.h"
#include "tests/support/TestServer.h"

#include <QDateTime>
#include <QString>
#include <source_location>

namespace fp::test {

struct SeededMatch
{
    QString matchId;
    QString conversationId; // empty when seeded without a conversation
    QDateTime at; // when they were matched, and the conversation started
};

// Every member has an initializer, so a designated initializer may name only what matters.

/// A match to seed (Seed::Match).
struct MatchSeed
{
    QString status = QStringLiteral("active_chat");
    /// Invalid: now, never twice the same (a pair matches once a moment).
    QDateTime at {};
    double score = 80;
    /// The conversation's state (anonymous, decision_gate, revealed, closed); empty: a match
    /// that never got a conversation.
    QString conversation = QStringLiteral("anonymous");
    /// Lines the two exchanged, taking turns a second apart from the start, `one` first.
    int messages = 0;
};

/// A report to seed (Seed::Report).
struct ReportSeed
{
    QString severity = QStringLiteral("medium");
    QString reason = QStringLiteral("harassment");
    QString details = QStringLiteral("rude");
    QString status = QStringLiteral("open");
    QString conversationId {}; // empty: about the person only
    QDateTime at {}; // invalid: now
};

/// A friendship to seed (Seed::Friendship).
struct FriendshipSeed
{
    /// Invalid: now, as for a match.
    QDateTime at {};
    /// Empty: the revealed match (and conversation) of their own it came from, at `at`.
    QString originMatchId {};
};

class Seed
{
public:
    using Match = MatchSeed;
    using Report = ReportSeed;
    using Friendship = FriendshipSeed;

    explicit Seed(TestDatabase *database) : m_database(database) { }

    /// What matching stores for two people (the lower id as user a, aliases for both) and,
    /// unless told otherwise, their anonymous conversation.
    SeededMatch match(const TestAccount &one, const TestAccount &two, const Match &options = {},
                      std::source_location where = std::source_location::current());
    /// A stored chat message; the conversation's last sequence number follows it.
    QString message(const QString &conversationId, const TestAccount &sender, int seq,
                    const QString &text, const QDateTime &at = {},
                    std::source_location where = std::source_location::current());
    QString report(const TestAccount &reporter, const TestAccount &reported,
                   const Report &options = {},
                   std::source_location where = std::source_location::current());
    /// `source`: manual, panic_exit or moderation_action.
    QString block(const TestAccount &blocker, const TestAccount &blocked,
                  const QString &source = QStringLiteral("manual"),
                  std::source_location where = std::source_location::current());
    /// What a reveal creates: the friendship and its 'created' event (and, unless given an
    /// origin, the revealed match it came from).
    QString friendship(const TestAccount &one, const TestAccount &two,
                       const Friendship &options = {},
                       std::source_location where = std::source_location::current());
    void endFriendship(const QString &friendshipId, const TestAccount &by,
                       std::source_location where = std::source_location::current());
    /// A stored trust of `score` in every component.
    void trust(const TestAccount &account, int score,
               std::source_location where = std::source_location::current());
    /// A row of the trust ledger (a moderator's manual review unless told otherwise).
    QString trustEvent(const TestAccount &account, int delta, const QString &sourceRef,
                       const QDateTime &at = {},
                       const QString &source = QStringLiteral("manual_review"),
                       std::source_location where = std::source_location::current());
    /// A queue entry; one that is no longer active left the queue at `dequeuedAt`.
    QString queueEntry(const TestAccount &account, const QString &status = QStringLiteral("active"),
                       const QDateTime &enqueuedAt = {}, const QDateTime &dequeuedAt = {},
                       std::source_location where = std::source_location::current());
    void offLimitsTopic(const TestAccount &account, const QString &topic,
                        std::source_location where = std::source_location::current());
    /// A staff role (moderator, admin) or back to user, as changeAccount() makes it.
    void role(const TestAccount &account, const QString &role,
              std::source_location where = std::source_location::current());
    /// Changes the users row of `userId` by hand (`assignments`: "status = 'deleted'", ...) the
    /// way an operator must: with a row in access_changes, from which every instance learns
    /// within seconds that what it cached about the account's sessions is wrong.
    void changeAccount(const QString &userId, const QString &assignments,
                       std::source_location where = std::source_location::current());

    /// The SQL form of a time (UTC, milliseconds).
    static QString sqlTime(const QDateTime &time);

private:
    void exec(const QString &sql, const std::source_location &where);
    QDateTime now();

    TestDatabase *m_database;
    QDateTime m_lastMoment;
};

} // namespace fp::test
