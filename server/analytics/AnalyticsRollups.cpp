#include "server/analytics/AnalyticsRollups.h"

#include "server/analytics/AnalyticsMetrics.h"
#include "server/events/EventTypes.h"

#include <QHash>
#include <QJsonArray>
#include <QSet>
#include <QTimeZone>

namespace fp {

namespace {

QString text(const QJsonObject &payload, const char *field)
{
    return payload.value(QLatin1String(field)).toString();
}

bool is(const StreamEvent &e, const EventType &type)
{
    return e.type == QLatin1String(type.name);
}

/// A client event's property as a breakdown value: scalars only, short ones.
std::optional<QString> propertyValue(const QJsonValue &v)
{
    QString value;
    if (v.isString())
        value = v.toString();
    else if (v.isBool())
        value = v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    else if (v.isDouble())
        value = QString::number(v.toDouble());
    else
        return std::nullopt;
    if (value.size() > 64)
        return std::nullopt;
    return value;
}

/// Who did something the event records: its actor; or, for what a person does to their own
/// account (signing up, their profile, the daily prompt, client events), the account it is
/// about. The outbox clears the actor of a deleted account's events but keeps their subject
/// under a pseudonym, so a rebuild still finds these.
QString personActing(const StreamEvent &e)
{
    if (!e.actorUserId.isEmpty())
        return e.actorUserId;
    if (e.subjectType != QLatin1String("user"))
        return {};
    for (const EventType &own :
         {event::AccountCreated, event::AccountIdentityLinked, event::AccountIdentityUnlinked,
          event::OnboardingCompleted, event::ProfileUpdated, event::DailyAnswered,
          event::WeeklyIntentSet, event::ClientEvent}) {
        if (e.type == QLatin1String(own.name))
            return e.subjectId;
    }
    return {};
}

constexpr int kMaxPropertiesPerEvent = 8;
constexpr int kMaxCohortDays = 90;
constexpr int kMaxCohortWeeks = 52;
// Separates a client event's name, a property and its value in a dimension: none of the three
// can hold it (names match ^[a-z][a-z0-9_.]*$; values with it are left out).
const QChar kSeparator = QChar(0x1f);

/// The rollups one batch adds, written at its end.
struct BatchState
{
    QDateTime now;
    QMap<CounterKey, qint64> counters;
    QMap<CohortKey, qint64> cohorts;
    QHash<QString, std::optional<PersonCohort>> people; // looked up or added in this batch
    QSet<QString> activeDays; // "day|person" marked in this batch
    QSet<QString> activeWeeks;
    // Each person whose analytics_people row this batch changes, as it was before: at the end
    // the funnel's cells uncount that and count the row as it is then.
    QMap<QString, std::optional<FunnelPerson>> funnelBefore;

    void count(const QString &metric, const QString &dimension, const QDateTime &at,
               qint64 amount = 1)
    {
        for (const QString &grain :
             {QStringLiteral("minute"), QStringLiteral("hour"), QStringLiteral("day")}) {
            // Buckets already past their retention are not written (the job would drop them).
            if (grain == QLatin1String("minute") && at < now.addDays(-2))
                continue;
            if (grain == QLatin1String("hour") && at < now.addDays(-90))
                continue;
            counters[{metric, grain, dimension, AnalyticsRollups::bucketStart(at, grain)}] +=
                amount;
        }
    }
};

} // namespace

QDateTime AnalyticsRollups::bucketStart(const QDateTime &t, const QString &grain)
{
    const QDateTime utc = t.toUTC();
    if (grain == QLatin1String("minute"))
        return QDateTime(utc.date(), QTime(utc.time().hour(), utc.time().minute()),
                         QTimeZone::utc());
    if (grain == QLatin1String("hour"))
        return QDateTime(utc.date(), QTime(utc.time().hour(), 0), QTimeZone::utc());
    return QDateTime(utc.date(), QTime(0, 0), QTimeZone::utc());
}

QDate AnalyticsRollups::weekOf(const QDate &day)
{
    return day.addDays(1 - day.dayOfWeek());
}

void AnalyticsRollups::addFunnelCellsOf(const FunnelPerson &person, qint64 sign,
                                        QMap<FunnelCellKey, qint64> *cells)
{
    const QList<std::pair<QString, QString>> breakdowns {
        {QStringLiteral("none"), QString()},
        {QStringLiteral("region"), person.region},
        {QStringLiteral("age_range"), person.ageRange},
        {QStringLiteral("intention"), person.intention}};
    for (qsizetype i = 0; i < person.steps.size(); ++i) {
        const QDateTime &reached = person.steps.at(i);
        if (!reached.isValid())
            continue;
        qint64 gapBin = -1;
        if (i > 0 && person.steps.at(i - 1).isValid())
            gapBin = AnalyticsMetrics::funnelGapBinFor(
                double(person.steps.at(i - 1).msecsTo(reached)) / 1000.0);
        for (const auto &[breakdown, value] : breakdowns)
            (*cells)[{breakdown, person.signedUpDay, value.isNull() ? QStringLiteral("") : value,
                      int(i), gapBin}] += sign;
    }
}

Status AnalyticsRollups::countFunnelOfPeopleBefore(const QDateTime &cutoff) const
{
    constexpr int kPage = 5000;
    QString after = QStringLiteral("");
    for (;;) {
        Result<QMap<QString, FunnelPerson>> page =
            m_repository.funnelPeopleBefore(cutoff, after, kPage);
        if (!page)
            return page.error();
        if (page->isEmpty())
            return Ok {};
        QMap<FunnelCellKey, qint64> cells;
        for (const FunnelPerson &person : std::as_const(*page))
            addFunnelCellsOf(person, 1, &cells);
        if (Status s = m_repository.addFunnelCells(cells); !s)
            return s;
        after = page->lastKey();
    }
}

QList<CounterHit> AnalyticsRollups::countersOf(const StreamEvent &e)
{
    const QJsonObject &p = e.payload;
    const QDateTime at = e.occurredAt;
    QList<CounterHit> hits;
    const auto hit = [&](const char *metric, const QString &dimension = {}) {
        hits.append({QLatin1String(metric), dimension, at});
    };
    if (is(e, event::AccountCreated)) {
        // Counted with the person's row (AnalyticsRollups::apply): once, even when a rebuild
        // found them in the accounts already.
    } else if (is(e, event::OnboardingCompleted)) {
        hit("onboarding_completed");
    } else if (is(e, event::QueueJoined)) {
        hit("queue_joins");
    } else if (is(e, event::QueueLeft)) {
        hit("queue_exits", QStringLiteral("cancelled"));
    } else if (is(e, event::QueueExpired)) {
        hit("queue_exits", QStringLiteral("expired"));
    } else if (is(e, event::Matched)) {
        hit("matches");
        hit("queue_exits", QStringLiteral("matched"));
        hit("queue_exits", QStringLiteral("matched"));
        for (const char *wait : {"wait_seconds_a", "wait_seconds_b"}) {
            if (p.contains(QLatin1String(wait))) {
                const qint64 seconds = p.value(QLatin1String(wait)).toInteger();
                hit("queue_wait", AnalyticsMetrics::waitBinFor(seconds));
                // Their sum, for the mean wait of the legacy time series.
                hits.append({QStringLiteral("queue_wait_seconds"), {}, at, seconds});
            }
        }
    } else if (is(e, event::ConversationStarted)) {
        hit("conversations_started");
    } else if (is(e, event::GateDecided)) {
        hit("gate_decisions",
            QStringLiteral("%1:%2")
                .arg(p.value(QStringLiteral("gate")).toInt())
                .arg(text(p, "decision")));
    } else if (is(e, event::GateTimedOut)) {
        hit("gate_decisions",
            QStringLiteral("%1:timed_out").arg(p.value(QStringLiteral("gate")).toInt()));
    } else if (is(e, event::FriendshipCreated)) {
        hit("friendships");
    } else if (is(e, event::FriendshipEventRecorded)) {
        if (text(p, "event_type") == QLatin1String("ended"))
            hit("friendships_ended", text(p, "reason"));
    } else if (is(e, event::ReflectionSubmitted)) {
        hit("reflections");
        hit("reflection_vibe", QString::number(p.value(QStringLiteral("vibe_score")).toInt()));
    } else if (is(e, event::TrustChanged)) {
        const int delta = p.value(QStringLiteral("delta")).toInt();
        hit("trust_changes",
            text(p, "reason") + (delta >= 0 ? QStringLiteral(":up") : QStringLiteral(":down")));
    } else if (is(e, event::ReportFiled)) {
        hit("reports", text(p, "origin"));
    } else if (is(e, event::BlockCreated)) {
        hit("blocks", text(p, "source"));
    } else if (is(e, event::PanicExit)) {
        hit("panic_exits");
    } else if (is(e, event::DailyAnswered)) {
        hit("daily_answers");
    } else if (is(e, event::WeeklyIntentSet)) {
        hit("weekly_intents");
    } else if (is(e, event::ClientEvent)) {
        const QString name = text(p, "name");
        hit("client_events", name);
        const QJsonObject properties = p.value(QStringLiteral("properties")).toObject();
        int kept = 0;
        for (auto it = properties.begin(); it != properties.end(); ++it) {
            const std::optional<QString> value = propertyValue(it.value());
            if (!value || it.key().contains(kSeparator) || value->contains(kSeparator) ||
                it.key().size() > 48)
                continue;
            hit("client_event_properties", name + kSeparator + it.key() + kSeparator + *value);
            if (++kept == kMaxPropertiesPerEvent)
                break;
        }
    }
    return hits;
}

Status AnalyticsRollups::apply(const QList<StreamEvent> &events, const QDateTime &now) const
{
    BatchState batch;
    batch.now = now;

    const auto cohortOf = [&](const QString &person) -> Result<std::optional<PersonCohort>> {
        if (auto known = batch.people.constFind(person); known != batch.people.cend())
            return *known;
        Result<std::optional<PersonCohort>> found = m_repository.personCohort(person);
        if (!found)
            return found;
        batch.people.insert(person, *found);
        return found;
    };
    // Remembers how the person's funnel row was before this batch first changes it.
    const auto touch = [&](const QString &person) -> Status {
        if (person.isEmpty() || batch.funnelBefore.contains(person))
            return Ok {};
        Result<std::optional<FunnelPerson>> before = m_repository.funnelPerson(person);
        if (!before)
            return before.error();
        batch.funnelBefore.insert(person, *before);
        return Ok {};
    };
    const auto step = [&](const QString &person, const char *column, const QDateTime &at) {
        if (person.isEmpty())
            return Status(Ok {});
        if (Status s = touch(person); !s)
            return s;
        return m_repository.setPersonStep(person, QLatin1String(column), at);
    };

    for (const StreamEvent &e : events) {
        const QJsonObject &p = e.payload;
        const QDateTime at = e.occurredAt;
        for (const CounterHit &h : countersOf(e))
            batch.count(h.metric, h.dimension, h.at, h.amount);

        if (is(e, event::AccountCreated) && text(p, "role") == QLatin1String("user")) {
            const PersonCohort cohort {at.date(), weekOf(at.date())};
            if (Status s = touch(e.subjectId); !s)
                return s;
            Result<bool> added = m_repository.insertPerson(e.subjectId, at, cohort.cohortWeek);
            if (!added)
                return added.error();
            if (*added) {
                batch.people.insert(e.subjectId, cohort);
                batch.count(QStringLiteral("signups"), {}, at);
                ++batch.cohorts[{cohort.cohortWeek, QStringLiteral("size"), 0}];
            }
        } else if (is(e, event::OnboardingCompleted)) {
            if (Status s = step(e.subjectId, "onboarded_at", at); !s)
                return s;
            if (Status s = touch(e.subjectId); !s)
                return s;
            if (Status s = m_repository.setPersonDimensions(e.subjectId, text(p, "country"),
                                                            text(p, "age_range"),
                                                            text(p, "friendship_intention"));
                !s)
                return s;
        } else if (is(e, event::QueueJoined)) {
            if (Status s = step(e.actorUserId, "first_queue_at", at); !s)
                return s;
        } else if (is(e, event::Matched)) {
            const QString a = text(p, "user_a_id");
            const QString b = text(p, "user_b_id");
            for (const QString &person : {a, b}) {
                if (Status s = step(person, "first_match_at", at); !s)
                    return s;
            }
            if (Status s = m_repository.trackConversation(text(p, "conversation_id"), a, b, at); !s)
                return s;
        } else if (is(e, event::GateDecided) || is(e, event::GateTimedOut)) {
            const int gate = p.value(QStringLiteral("gate")).toInt();
            Result<std::optional<TrackedConversation>> c =
                m_repository.trackedConversation(e.subjectId);
            if (!c)
                return c.error();
            if (c->has_value() && gate > (*c)->reachedGate) {
                if (Status s = m_repository.setConversationGate(e.subjectId, gate); !s)
                    return s;
                batch.count(QStringLiteral("gate_reached"), QString::number(gate), at);
                for (const QString &person : {(*c)->personA, (*c)->personB}) {
                    if (Status s = step(person, "first_gate_at", at); !s)
                        return s;
                }
            }
        } else if (is(e, event::Revealed) || is(e, event::ConversationClosed)) {
            const bool revealed = is(e, event::Revealed);
            const QString outcome =
                revealed ? QStringLiteral("revealed") : QStringLiteral("closed");
            Result<std::optional<TrackedConversation>> c =
                m_repository.trackedConversation(e.subjectId);
            if (!c)
                return c.error();
            // A chat ends once: revealed, or closed without a reveal. One the consumer does not
            // remember (opened before the rollups) is counted as it comes.
            const bool firstEnd = !c->has_value() || (*c)->ended == QLatin1String("running");
            if (firstEnd) {
                batch.count(QStringLiteral("conversations_ended"), outcome, at);
                if (c->has_value()) {
                    if (Status s = m_repository.setConversationEnded(e.subjectId, outcome); !s)
                        return s;
                }
            }
            if (revealed && c->has_value()) {
                for (const QString &person : {(*c)->personA, (*c)->personB}) {
                    if (Status s = step(person, "first_reveal_at", at); !s)
                        return s;
                }
            }
        } else if (is(e, event::FriendshipCreated)) {
            Result<std::optional<TrackedConversation>> c =
                m_repository.trackedConversation(text(p, "conversation_id"));
            if (!c)
                return c.error();
            if (c->has_value()) {
                for (const QString &person : {(*c)->personA, (*c)->personB}) {
                    if (Status s = touch(person); !s)
                        return s;
                    if (Status s = m_repository.addPersonFriendship(person, at); !s)
                        return s;
                }
            }
        } else if (is(e, event::ReflectionSubmitted)) {
            if (Status s = step(e.actorUserId, "first_reflection_at", at); !s)
                return s;
        } else if (is(e, event::ReportFiled)) {
            // Counted in the bucket of the conversation's start, next to the conversations
            // started then: the rate is not skewed by when reports happen to come.
            const QString conversation = text(p, "conversation_id");
            if (!conversation.isEmpty()) {
                Result<std::optional<TrackedConversation>> c =
                    m_repository.trackedConversation(conversation);
                if (!c)
                    return c.error();
                if (c->has_value())
                    batch.count(QStringLiteral("conversation_reports"), {}, (*c)->startedAt);
            }
        }

        // Activity: whoever acted, when they are a person who signed up.
        if (const QString acting = personActing(e); !acting.isEmpty()) {
            Result<std::optional<PersonCohort>> cohort = cohortOf(acting);
            if (!cohort)
                return cohort.error();
            if (cohort->has_value()) {
                const QDate day = at.toUTC().date();
                const QString dayKey = day.toString(Qt::ISODate) + acting;
                if (!batch.activeDays.contains(dayKey)) {
                    batch.activeDays.insert(dayKey);
                    Result<bool> news = m_repository.markActiveDay(day, acting);
                    if (!news)
                        return news.error();
                    const qint64 offset = (*cohort)->signedUpDay.daysTo(day);
                    if (*news && offset > 0 && offset <= kMaxCohortDays)
                        ++batch
                              .cohorts[{(*cohort)->cohortWeek, QStringLiteral("day"), int(offset)}];
                }
                const QDate week = weekOf(day);
                const QString weekKey = week.toString(Qt::ISODate) + acting;
                if (!batch.activeWeeks.contains(weekKey)) {
                    batch.activeWeeks.insert(weekKey);
                    Result<bool> news = m_repository.markActiveWeek(week, acting);
                    if (!news)
                        return news.error();
                    const qint64 offset = (*cohort)->cohortWeek.daysTo(week) / 7;
                    if (*news && offset >= 0 && offset <= kMaxCohortWeeks)
                        ++batch.cohorts[{(*cohort)->cohortWeek, QStringLiteral("week"),
                                         int(offset)}];
                }
            }
        }
    }
    if (Status s = m_repository.addCounters(batch.counters); !s)
        return s;
    if (Status s = m_repository.addCohortActivity(batch.cohorts); !s)
        return s;
    // The funnel's cells follow the people's rows: what changed is uncounted as it was and
    // counted as it is.
    QMap<FunnelCellKey, qint64> funnel;
    for (auto it = batch.funnelBefore.cbegin(); it != batch.funnelBefore.cend(); ++it) {
        Result<std::optional<FunnelPerson>> after = m_repository.funnelPerson(it.key());
        if (!after)
            return after.error();
        if (*after == it.value())
            continue;
        if (it.value())
            addFunnelCellsOf(**it, -1, &funnel);
        if (*after)
            addFunnelCellsOf(**after, 1, &funnel);
    }
    return m_repository.addFunnelCells(funnel);
}

} // namespace fp
