#include "server/app/DemoData.h"

#include "server/analytics/AnalyticsConsumer.h"
#include "server/events/EventConsumers.h"
#include "server/storage/Database.h"

#include <QJsonArray>
#include <QRandomGenerator>
#include <QSet>
#include <QUuid>
#include <algorithm>
#include <cmath>

namespace fp {

namespace {

QString newUuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QString s(const char *text)
{
    return QString::fromLatin1(text);
}

struct Person
{
    QString id;
    QDateTime signedUp;
    bool onboarded = false;
    double engagement = 0.5; // how likely they come back on a day
};

struct QueueJoin
{
    qsizetype person = 0;
    QDateTime at;
    QString entry;
};

/// Builds the events; `pick(n)` draws 0..n-1, `chance(p)` is true with probability p.
class History
{
public:
    History(const DemoDataOptions &options, const QDateTime &now)
        : m_options(options), m_now(now), m_random(options.seed)
    { }

    QList<OutboxEvent> build()
    {
        people();
        activity();
        matches();
        std::stable_sort(
            m_events.begin(), m_events.end(),
            [](const OutboxEvent &a, const OutboxEvent &b) { return a.occurredAt < b.occurredAt; });
        return m_events;
    }

private:
    int pick(int n) { return int(m_random.bounded(n)); }
    bool chance(double p) { return m_random.generateDouble() < p; }
    template<typename T> const T &oneOf(const QList<T> &list)
    {
        return list.at(pick(int(list.size())));
    }

    void add(const EventType &type, const char *subjectType, const QString &subjectId,
             const QString &actor, const QJsonObject &payload, const QDateTime &at)
    {
        if (at > m_now)
            return; // not happened yet
        m_events.append({type, QLatin1StringView(subjectType), subjectId, actor, payload, at});
    }

    void people()
    {
        const QList<QString> countries {s("DE"), s("DE"), s("FR"), s("GB"),
                                        s("ES"), s("IT"), s("NL"), s("PL")};
        const QList<QString> ages {s("18-24"), s("25-34"), s("25-34"),
                                   s("35-44"), s("45-54"), s("55-64")};
        const QList<QString> intentions {s("long_term"), s("long_term"), s("open_ended"),
                                         s("activity_buddies")};
        const qint64 span = qint64(m_options.days) * 86400;
        for (int i = 0; i < m_options.users; ++i) {
            Person p;
            p.id = newUuid();
            // More sign-ups lately: the product grows.
            const double u = m_random.generateDouble();
            p.signedUp = m_now.addSecs(-qint64(double(span) * (1 - std::sqrt(u))) - 60);
            p.engagement = 0.15 + 0.7 * m_random.generateDouble();
            add(event::AccountCreated, "user", p.id, p.id, {{s("role"), s("user")}}, p.signedUp);
            if (chance(0.8)) {
                p.onboarded = true;
                const QDateTime at = p.signedUp.addSecs(120 + pick(3000));
                add(event::ProfileUpdated, "user", p.id, p.id,
                    {{s("sections"),
                      QJsonArray {s("nickname"), s("preferences"), s("values"), s("interests")}},
                     {s("created"), true}},
                    at);
                add(event::OnboardingCompleted, "user", p.id, p.id,
                    {{s("country"), chance(0.9) ? QJsonValue(oneOf(countries)) : QJsonValue()},
                     {s("age_range"), chance(0.85) ? QJsonValue(oneOf(ages)) : QJsonValue()},
                     {s("friendship_intention"), oneOf(intentions)}},
                    at);
            }
            m_people.append(p);
        }
    }

    void activity()
    {
        const QList<QString> screens {s("home"), s("home"),    s("queue"),
                                      s("chat"), s("profile"), s("friends")};
        for (qsizetype i = 0; i < m_people.size(); ++i) {
            const Person &p = m_people.at(i);
            for (QDateTime day = p.signedUp; day <= m_now; day = day.addDays(1)) {
                const double weeks = double(p.signedUp.daysTo(day)) / 7.0;
                const bool firstDay = day == p.signedUp;
                if (!firstDay && !chance(p.engagement * std::pow(0.8, weeks) + 0.03))
                    continue;
                const QDateTime at = firstDay
                    ? p.signedUp.addSecs(60 + pick(600))
                    : QDateTime(day.date(), QTime(7 + pick(15), pick(60)), Qt::UTC);
                const QString platform = i % 3 == 0 ? s("android") : s("ios");
                add(event::ClientEvent, "user", p.id, p.id,
                    {{s("name"), s("app.open")},
                     {s("properties"), QJsonObject {{s("platform"), platform}}}},
                    at);
                for (int v = pick(4); v >= 0; --v)
                    add(event::ClientEvent, "user", p.id, p.id,
                        {{s("name"), s("screen.view")},
                         {s("properties"), QJsonObject {{s("screen"), oneOf(screens)}}}},
                        at.addSecs(20 + 30 * v));
                if (!p.onboarded)
                    continue;
                if (chance(0.3))
                    add(event::DailyAnswered, "user", p.id, p.id,
                        {{s("prompt_id"), newUuid()}, {s("answer_id"), newUuid()}},
                        at.addSecs(200));
                if (at.date().dayOfWeek() == 1 && chance(0.3))
                    add(event::WeeklyIntentSet, "user", p.id, p.id,
                        {{s("week_start_date"), at.date().toString(Qt::ISODate)}}, at.addSecs(260));
                if (chance(0.5)) {
                    const QueueJoin join {i, at.addSecs(300 + pick(120)), newUuid()};
                    add(event::QueueJoined, "queue_entry", join.entry, p.id, {}, join.at);
                    m_joins.append(join);
                }
            }
        }
    }

    void matches()
    {
        std::sort(m_joins.begin(), m_joins.end(),
                  [](const QueueJoin &a, const QueueJoin &b) { return a.at < b.at; });
        QList<bool> paired(m_joins.size(), false);
        for (qsizetype i = 0; i < m_joins.size(); ++i) {
            if (paired.at(i))
                continue;
            const QueueJoin &a = m_joins.at(i);
            // The next person to join within 20 minutes, if the matcher found them a fit.
            qsizetype partner = -1;
            for (qsizetype j = i + 1; j < m_joins.size() && a.at.secsTo(m_joins.at(j).at) < 1200;
                 ++j) {
                if (!paired.at(j) && m_joins.at(j).person != a.person && chance(0.8)) {
                    partner = j;
                    break;
                }
            }
            paired[i] = true;
            if (partner < 0) {
                const bool left = chance(0.7);
                const qint64 wait = left ? 60 + pick(600) : 900;
                add(left ? event::QueueLeft : event::QueueExpired, "queue_entry", a.entry,
                    left ? m_people.at(a.person).id : QString(),
                    {{s("status"), left ? s("cancelled") : s("expired")},
                     {s("wait_seconds"), wait}},
                    a.at.addSecs(wait));
                continue;
            }
            paired[partner] = true;
            conversation(a, m_joins.at(partner));
        }
    }

    void conversation(const QueueJoin &a, const QueueJoin &b)
    {
        const QString personA = m_people.at(a.person).id;
        const QString personB = m_people.at(b.person).id;
        const QDateTime matched = b.at.addSecs(2 + pick(30));
        const QString match = newUuid();
        const QString chat = newUuid();
        add(event::Matched, "match", match, {},
            {{s("match_id"), match},
             {s("conversation_id"), chat},
             {s("user_a_id"), personA},
             {s("user_b_id"), personB},
             {s("score"), 0.5 + 0.5 * m_random.generateDouble()},
             {s("wait_seconds_a"), a.at.secsTo(matched)},
             {s("wait_seconds_b"), b.at.secsTo(matched)}},
            matched);
        add(event::ConversationStarted, "conversation", chat, {}, {{s("match_id"), match}},
            matched);
        QDateTime end = matched.addSecs(120 + pick(480));
        QString outcome = s("closed");
        QString reason = s("user_end");
        QString closer = chance(0.5) ? personA : personB;
        int gatesResolved = 0;
        if (chance(0.02)) {
            // A panic exit: a report, a block, the chat closed.
            const QString report = newUuid();
            add(event::ReportFiled, "report", report, closer,
                {{s("severity"), s("high")},
                 {s("reason_code"), s("harassment")},
                 {s("origin"), s("panic_exit")},
                 {s("about_conversation"), true},
                 {s("conversation_id"), chat}},
                end);
            add(event::BlockCreated, "block", newUuid(), closer, {{s("source"), s("panic_exit")}},
                end);
            add(event::PanicExit, "conversation", chat, closer,
                {{s("match_id"), match},
                 {s("report_id"), report},
                 {s("reason_code"), s("harassment")},
                 {s("severity"), s("high")}},
                end);
            reason = s("panic_exit");
        } else {
            for (int gate = 1; gate <= 3 && chance(gate == 1 ? 0.7 : 0.75); ++gate) {
                const QDateTime opened = matched.addSecs(600 * gate);
                const auto decision = [&]() {
                    const double r = m_random.generateDouble();
                    return r < 0.45 ? s("reveal_yes") : r < 0.8 ? s("not_yet") : s("end_chat");
                };
                const QString first = decision();
                const QString second = decision();
                const QString result =
                    first == QLatin1String("reveal_yes") && second == QLatin1String("reveal_yes")
                    ? s("revealed")
                    : first == QLatin1String("end_chat") || second == QLatin1String("end_chat") ||
                        gate == 3
                    ? s("closed")
                    : s("continued");
                add(event::GateDecided, "conversation", chat, personA,
                    {{s("match_id"), match},
                     {s("gate"), gate},
                     {s("gate_minute"), gate * 10},
                     {s("decision"), first}},
                    opened.addSecs(30 + pick(60)));
                add(event::GateDecided, "conversation", chat, personB,
                    {{s("match_id"), match},
                     {s("gate"), gate},
                     {s("gate_minute"), gate * 10},
                     {s("decision"), second},
                     {s("outcome"), result}},
                    opened.addSecs(100 + pick(60)));
                gatesResolved = gate;
                end = opened.addSecs(170);
                if (result == QLatin1String("revealed")) {
                    outcome = result;
                    break;
                }
                if (result == QLatin1String("closed")) {
                    reason = first == second ? s("mutual_end") : s("user_end");
                    closer = personB;
                    break;
                }
            }
            if (outcome != QLatin1String("revealed") && gatesResolved > 0 && chance(0.3))
                reason = s("timeout");
        }
        if (outcome == QLatin1String("revealed")) {
            const QString friendship = newUuid();
            add(event::FriendshipCreated, "friendship", friendship, personB,
                {{s("match_id"), match}, {s("conversation_id"), chat}}, end);
            add(event::Revealed, "conversation", chat, personB,
                {{s("match_id"), match},
                 {s("friendship_id"), friendship},
                 {s("gates_resolved"), gatesResolved}},
                end);
        } else {
            add(event::ConversationClosed, "conversation", chat,
                reason == QLatin1String("timeout") ? QString() : closer,
                {{s("match_id"), match},
                 {s("reason"), reason},
                 {s("state_before"), s("anonymous")},
                 {s("gates_resolved"), gatesResolved}},
                end);
            if (reason != QLatin1String("panic_exit") && chance(0.03))
                add(event::ReportFiled, "report", newUuid(), closer,
                    {{s("severity"), s("medium")},
                     {s("reason_code"), s("inappropriate")},
                     {s("origin"), s("report")},
                     {s("about_conversation"), true},
                     {s("conversation_id"), chat}},
                    end.addSecs(30));
        }
        // Reflections, and the trust they move.
        for (const auto &[me, other] :
             {std::pair {personA, personB}, std::pair {personB, personA}}) {
            if (!chance(0.45))
                continue;
            const bool revealed = outcome == QLatin1String("revealed");
            const int vibe = revealed ? 4 + pick(2) : 1 + pick(4);
            const QDateTime at = end.addSecs(600 + pick(7200));
            add(event::ReflectionSubmitted, "reflection", newUuid(), me,
                {{s("match_id"), match},
                 {s("conversation_id"), chat},
                 {s("vibe_score"), vibe},
                 {s("outcome"), revealed ? s("again") : s("not_again")},
                 {s("feedback_tags"), QJsonArray {}}},
                at);
            const int delta = vibe >= 3 ? 1 : -1;
            add(event::TrustChanged, "user", other, me,
                {{s("old"), 50},
                 {s("new"), 50 + delta},
                 {s("delta"), delta},
                 {s("reason"), s("reflection")},
                 {s("ledger_event_id"), newUuid()}},
                at);
        }
    }

    const DemoDataOptions m_options;
    const QDateTime m_now;
    QRandomGenerator m_random;
    QList<Person> m_people;
    QList<QueueJoin> m_joins;
    QList<OutboxEvent> m_events;
};

} // namespace

QList<OutboxEvent> demoHistory(const DemoDataOptions &options, const QDateTime &now)
{
    return History(options, now).build();
}

Result<qint64> recordDemoData(const DemoDataOptions &options)
{
    const QList<OutboxEvent> events = demoHistory(options, QDateTime::currentDateTimeUtc());
    // Where the outbox stood: the events recorded now come after it.
    const Result<qint64> last = Outbox::lastSeq();
    if (!last)
        return last.error();
    const qint64 before = *last;
    constexpr qsizetype kPerTransaction = 500;
    constexpr int kBatch = 1000;
    for (qsizetype start = 0; start < events.size(); start += kPerTransaction) {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        for (qsizetype i = start; i < std::min(events.size(), start + kPerTransaction); ++i) {
            if (Status s = Outbox::record(events.at(i)); !s)
                return s.error();
        }
        if (!tx.commit())
            return databaseUnavailable();
    }
    // The analytics consumer's effect now, with its marks: a server's consumer leaves out what
    // is marked.
    const AnalyticsRepository repository;
    AnalyticsConsumer consumer(repository);
    for (qint64 after = before;;) {
        Result<QList<StreamEvent>> batch = Outbox::keptAfter(after, kBatch);
        if (!batch)
            return batch.error();
        if (batch->isEmpty())
            break;
        // A server on the same database relays these events as soon as they are recorded,
        // and its consumer would apply them at the same moment: one of the two would then find
        // the other's marks ("already exists") and fail. So the rollups' lock first, as the
        // rebuild takes it: the server's batches wait, and the marks read after it include
        // every event the server applied before (left out here; it leaves out ours).
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        if (Status s = repository.lockRollups(true); !s)
            return s.error();
        // Those the server applied already are left out here (applyNow would leave them out
        // too, but given none to apply it rolls its joined transaction back, and this one with
        // it).
        const qint64 last = batch->last().outboxSeq;
        Result<QList<StreamEvent>> applied = Outbox::keptAppliedBy(consumer.group(), after, kBatch);
        if (!applied)
            return applied.error();
        QSet<QString> done;
        for (const StreamEvent &e : std::as_const(*applied)) {
            if (e.outboxSeq <= last)
                done.insert(e.eventId);
        }
        QList<StreamEvent> fresh;
        for (const StreamEvent &e : std::as_const(*batch)) {
            if (!done.contains(e.eventId))
                fresh.append(e);
        }
        if (!fresh.isEmpty()) {
            if (Status s = EventConsumers::applyNow(consumer, fresh); !s)
                return s.error();
        }
        if (!tx.commit())
            return databaseUnavailable();
        after = last;
    }
    return qint64(events.size());
}

} // namespace fp
