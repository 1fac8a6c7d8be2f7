#include "server/profile/ProfileValidation.h"

#include "server/base/Validation.h"
#include "server/profile/ProfileRules.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTimeZone>
#include <QUrl>
#include <algorithm>
#include <cmath>

namespace fp {

namespace {

const QString kScoreProblem = QStringLiteral("must be an integer 0-100");

QString indexed(const QString &path, qsizetype i)
{
    return QStringLiteral("%1[%2]").arg(path).arg(i);
}

QString member(const QString &path, const QString &name)
{
    return path + QLatin1Char('.') + name;
}

/// Reports unknown members of `object` at `path`.
void rejectUnknown(const QJsonObject &object, const QString &prefix, const QStringList &known,
                   Problems &p)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key()))
            p.add(prefix.isEmpty() ? it.key() : member(prefix, it.key()),
                  QStringLiteral("is not a known field"));
    }
}

/// A string, or a problem at `path`. `nullable` lets null through as nullopt-with-ok.
struct TextField
{
    bool ok = false;
    QString text; // empty for null
};

TextField textField(const QJsonValue &v, const QString &path, bool nullable, Problems &p)
{
    if (nullable && v.isNull())
        return {true, {}};
    if (!v.isString()) {
        p.add(path,
              nullable ? QStringLiteral("must be a string or null")
                       : QStringLiteral("must be a string"));
        return {};
    }
    const QString text = v.toString();
    if (!text.isValidUtf16()) {
        p.add(path, QStringLiteral("must be valid Unicode text"));
        return {};
    }
    return {true, text};
}

std::optional<int> minutesOf(const QString &hhmm, bool isEnd)
{
    static const QRegularExpression clock(QStringLiteral("^([01][0-9]|2[0-3]):([0-5][0-9])$"));
    if (isEnd && hhmm == QLatin1String("24:00"))
        return 24 * 60;
    const QRegularExpressionMatch m = clock.match(hhmm);
    if (!m.hasMatch())
        return std::nullopt;
    return m.captured(1).toInt() * 60 + m.captured(2).toInt();
}

bool isTimeZoneName(const QString &name)
{
    // IANA names only ("Europe/Berlin", "UTC"): Qt also knows offset ids like "UTC+01:00",
    // which the pattern of openapi.yaml keeps out.
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$"));
    return name.size() <= 64 && pattern.match(name).hasMatch() &&
        QTimeZone::isTimeZoneIdAvailable(name.toLatin1());
}

void checkEnum(const QJsonObject &o, const QString &prefix, const char *name,
               const QStringList &allowed, QString *out, Problems &p)
{
    const QString key = QString::fromLatin1(name);
    const QString path = member(prefix, key);
    const QJsonValue v = o.value(key);
    if (v.isUndefined()) {
        p.add(path, QStringLiteral("is required"));
        return;
    }
    if (!v.isString() || !allowed.contains(v.toString())) {
        p.add(path, QStringLiteral("must be one of %1").arg(allowed.join(QStringLiteral(", "))));
        return;
    }
    *out = v.toString();
}

void checkScore(const QJsonObject &o, const QString &prefix, const char *name,
                std::optional<int> *out, Problems &p)
{
    const QString key = QString::fromLatin1(name);
    const QString path = member(prefix, key);
    const QJsonValue v = o.value(key);
    if (v.isUndefined()) {
        p.add(path, QStringLiteral("is required"));
        return;
    }
    const std::optional<int> score = integerIn(v, 0, 100);
    if (!score)
        p.add(path, kScoreProblem);
    *out = score;
}

QList<ProfileWindow> checkWindows(const QJsonValue &v, const QString &path, Problems &p)
{
    static const QStringList days {
        QStringLiteral("mon"), QStringLiteral("tue"), QStringLiteral("wed"), QStringLiteral("thu"),
        QStringLiteral("fri"), QStringLiteral("sat"), QStringLiteral("sun")};
    if (!v.isArray()) {
        p.add(path, QStringLiteral("must be a list of {day, start, end}"));
        return {};
    }
    const QJsonArray list = v.toArray();
    if (list.size() > ProfileRules::kMaxWindows)
        p.add(path, QStringLiteral("must have at most %1 windows").arg(ProfileRules::kMaxWindows));

    struct Span
    {
        qsizetype index;
        int start;
        int end;
    };
    QList<ProfileWindow> windows;
    QMap<QString, QList<Span>> byDay;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString at = indexed(path, i);
        if (!list[i].isObject()) {
            p.add(at, QStringLiteral("must be an object {day, start, end}"));
            continue;
        }
        const QJsonObject o = list[i].toObject();
        rejectUnknown(o, at,
                      {QStringLiteral("day"), QStringLiteral("start"), QStringLiteral("end")}, p);
        const QJsonValue day = o.value(QStringLiteral("day"));
        const QJsonValue start = o.value(QStringLiteral("start"));
        const QJsonValue end = o.value(QStringLiteral("end"));
        bool ok = true;
        if (!day.isString() || !days.contains(day.toString())) {
            p.add(member(at, QStringLiteral("day")),
                  QStringLiteral("must be one of %1").arg(days.join(QStringLiteral(", "))));
            ok = false;
        }
        const std::optional<int> from = minutesOf(start.toString(), false);
        if (!start.isString() || !from) {
            p.add(member(at, QStringLiteral("start")),
                  QStringLiteral("must be a time \"HH:MM\" from 00:00 to 23:59"));
            ok = false;
        }
        const std::optional<int> to = minutesOf(end.toString(), true);
        if (!end.isString() || !to) {
            p.add(member(at, QStringLiteral("end")),
                  QStringLiteral("must be a time \"HH:MM\" from 00:00 to 24:00"));
            ok = false;
        }
        if (from && to && *from >= *to) {
            p.add(member(at, QStringLiteral("end")), QStringLiteral("must be after start"));
            ok = false;
        }
        if (!ok)
            continue;
        windows.append({day.toString(), start.toString(), end.toString()});
        byDay[day.toString()].append({i, *from, *to});
    }
    // Windows of one day must not overlap (touching is fine: 10:00-12:00 and 12:00-14:00).
    for (auto it = byDay.begin(); it != byDay.end(); ++it) {
        const QList<Span> &spans = it.value();
        for (qsizetype a = 0; a < spans.size(); ++a) {
            for (qsizetype b = 0; b < a; ++b) {
                if (spans[a].start < spans[b].end && spans[b].start < spans[a].end) {
                    p.add(indexed(path, spans[a].index),
                          QStringLiteral("overlaps availability_windows[%1]").arg(spans[b].index));
                    break;
                }
            }
        }
    }
    return windows;
}

std::optional<ProfilePreferences> checkPreferences(const QJsonValue &v, Problems &p)
{
    const QString prefix = QStringLiteral("preferences");
    if (!v.isObject()) {
        p.add(prefix,
              QStringLiteral("must be an object (the preferences section cannot be removed)"));
        return std::nullopt;
    }
    const QJsonObject o = v.toObject();
    rejectUnknown(
        o, prefix,
        ProfileRules::preferenceFieldNames() +
            QStringList {QStringLiteral("availability_windows"), QStringLiteral("timezone")},
        p);
    ProfilePreferences prefs;
    checkEnum(o, prefix, "conversation_depth",
              {QStringLiteral("light"), QStringLiteral("moderate"), QStringLiteral("deep")},
              &prefs.conversationDepth, p);
    checkEnum(o, prefix, "contact_frequency",
              {QStringLiteral("daily"), QStringLiteral("weekly"), QStringLiteral("occasional")},
              &prefs.contactFrequency, p);
    checkScore(o, prefix, "directness_score", &prefs.directnessScore, p);
    checkScore(o, prefix, "humor_score", &prefs.humorScore, p);
    checkEnum(o, prefix, "response_pace", {QStringLiteral("quick"), QStringLiteral("flexible")},
              &prefs.responsePace, p);
    checkEnum(o, prefix, "group_comfort",
              {QStringLiteral("one_to_one"), QStringLiteral("small_groups"), QStringLiteral("any")},
              &prefs.groupComfort, p);
    checkEnum(o, prefix, "friendship_intention",
              {QStringLiteral("long_term"), QStringLiteral("open_ended"),
               QStringLiteral("activity_buddies")},
              &prefs.friendshipIntention, p);

    // Optional, with the defaults of the table: a section replaces the stored one whole, so an
    // absent optional field is reset to its default.
    const QJsonValue voice = o.value(QStringLiteral("voice_note_ok"));
    if (!voice.isUndefined()) {
        if (voice.isBool())
            prefs.voiceNoteOk = voice.toBool();
        else
            p.add(member(prefix, QStringLiteral("voice_note_ok")),
                  QStringLiteral("must be true or false"));
    }
    const QJsonValue windows = o.value(QStringLiteral("availability_windows"));
    if (!windows.isUndefined())
        prefs.availabilityWindows =
            checkWindows(windows, member(prefix, QStringLiteral("availability_windows")), p);
    const QJsonValue zone = o.value(QStringLiteral("timezone"));
    if (!zone.isUndefined()) {
        if (zone.isString() && isTimeZoneName(zone.toString()))
            prefs.timezone = zone.toString();
        else
            p.add(member(prefix, QStringLiteral("timezone")),
                  QStringLiteral("must be an IANA time zone name, e.g. Europe/Berlin"));
    }
    return prefs;
}

/// values / interests: {catalog key: 0-100}. Returns the scores of well-formed entries and, in
/// `keys`, every key that is in the catalog (so non-negotiables are checked against what the
/// caller meant even when a score is out of range).
QMap<QString, int> checkScoreMap(const QJsonValue &v, const QString &section,
                                 bool (Catalog::*contains)(const QString &) const,
                                 const QString &kind, const Catalog &catalog, QSet<QString> *keys,
                                 Problems &p)
{
    QMap<QString, int> scores;
    if (!v.isObject()) {
        p.add(section, QStringLiteral("must be an object of %1 key → score 0-100").arg(kind));
        return scores;
    }
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString path = member(section, it.key());
        if (!(catalog.*contains)(it.key())) {
            p.add(path, QStringLiteral("is not a %1 key in the catalog").arg(kind));
            continue;
        }
        keys->insert(it.key());
        const std::optional<int> score = integerIn(it.value(), 0, 100);
        if (!score) {
            p.add(path, kScoreProblem);
            continue;
        }
        scores.insert(it.key(), *score);
    }
    return scores;
}

QStringList checkTopics(const QJsonValue &v, const Catalog &catalog, Problems &p)
{
    const QString section = QStringLiteral("off_limits_topics");
    QStringList topics;
    if (!v.isArray()) {
        p.add(section, QStringLiteral("must be a list of topic keys"));
        return topics;
    }
    const QJsonArray list = v.toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString path = indexed(section, i);
        const QString key = list[i].toString();
        if (!list[i].isString() || !catalog.containsTopic(key)) {
            p.add(path, QStringLiteral("is not a topic key in the catalog"));
            continue;
        }
        if (topics.contains(key)) {
            p.add(path, QStringLiteral("repeats \"%1\"").arg(key));
            continue;
        }
        topics << key;
    }
    return topics;
}

QList<ProfileNonNegotiable> checkNonNegotiables(const QJsonValue &v, const Catalog &catalog,
                                                const QSet<QString> &values,
                                                const QSet<QString> &interests, Problems &p)
{
    static const QStringList dimensions {QStringLiteral("value"), QStringLiteral("interest"),
                                         QStringLiteral("preference")};
    const QString section = QStringLiteral("non_negotiables");
    QList<ProfileNonNegotiable> items;
    if (!v.isArray()) {
        p.add(section, QStringLiteral("must be a list of {dimension, key, priority_rank}"));
        return items;
    }
    const QJsonArray list = v.toArray();
    if (list.size() > ProfileRules::kMaxNonNegotiables)
        p.add(section,
              QStringLiteral("must have at most %1 items").arg(ProfileRules::kMaxNonNegotiables));
    QMap<int, qsizetype> rankAt;
    QMap<QString, qsizetype> itemAt;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString at = indexed(section, i);
        if (!list[i].isObject()) {
            p.add(at, QStringLiteral("must be an object {dimension, key, priority_rank}"));
            continue;
        }
        const QJsonObject o = list[i].toObject();
        rejectUnknown(
            o, at,
            {QStringLiteral("dimension"), QStringLiteral("key"), QStringLiteral("priority_rank")},
            p);
        ProfileNonNegotiable n;
        bool ok = true;

        const QJsonValue dimension = o.value(QStringLiteral("dimension"));
        if (!dimension.isString() || !dimensions.contains(dimension.toString())) {
            p.add(member(at, QStringLiteral("dimension")),
                  QStringLiteral("must be one of value, interest, preference"));
            ok = false;
        }
        n.dimension = dimension.toString();

        const QJsonValue key = o.value(QStringLiteral("key"));
        const QString keyPath = member(at, QStringLiteral("key"));
        n.key = key.toString();
        if (!key.isString() || n.key.isEmpty()) {
            p.add(keyPath, QStringLiteral("must be a non-empty string"));
            ok = false;
        } else if (n.dimension == QLatin1String("value")) {
            if (!catalog.containsValue(n.key)) {
                p.add(keyPath, QStringLiteral("is not a value key in the catalog"));
                ok = false;
            } else if (!values.contains(n.key)) {
                p.add(keyPath, QStringLiteral("must be one of your values (set it in values)"));
                ok = false;
            }
        } else if (n.dimension == QLatin1String("interest")) {
            if (!catalog.containsInterest(n.key)) {
                p.add(keyPath, QStringLiteral("is not an interest key in the catalog"));
                ok = false;
            } else if (!interests.contains(n.key)) {
                p.add(keyPath,
                      QStringLiteral("must be one of your interests (set it in interests)"));
                ok = false;
            }
        } else if (n.dimension == QLatin1String("preference") &&
                   !ProfileRules::preferenceFieldNames().contains(n.key)) {
            p.add(keyPath,
                  QStringLiteral("must be one of %1")
                      .arg(ProfileRules::preferenceFieldNames().join(QStringLiteral(", "))));
            ok = false;
        }

        const std::optional<int> rank = integerIn(o.value(QStringLiteral("priority_rank")), 1,
                                                  ProfileRules::kMaxNonNegotiables);
        const QString rankPath = member(at, QStringLiteral("priority_rank"));
        if (!rank) {
            p.add(rankPath,
                  QStringLiteral("must be an integer 1-%1").arg(ProfileRules::kMaxNonNegotiables));
            ok = false;
        } else if (rankAt.contains(*rank)) {
            p.add(rankPath,
                  QStringLiteral("repeats priority_rank %1 of non_negotiables[%2]")
                      .arg(*rank)
                      .arg(rankAt.value(*rank)));
            ok = false;
        } else {
            rankAt.insert(*rank, i);
            n.priorityRank = *rank;
        }

        const QString identity = n.dimension + QLatin1Char(':') + n.key;
        if (ok && itemAt.contains(identity)) {
            p.add(keyPath,
                  QStringLiteral("repeats non_negotiables[%1]").arg(itemAt.value(identity)));
            ok = false;
        }
        if (ok) {
            itemAt.insert(identity, i);
            items.append(n);
        }
    }
    return items;
}

} // namespace

Result<ProfileUpdate> validateProfileUpdate(const QJsonValue &body, const Catalog &catalog,
                                            const ProfileKeysOnFile &onFile)
{
    Problems p;
    if (!body.isObject()) {
        p.add(QStringLiteral("body"), QStringLiteral("must be a JSON object"));
        return p.error();
    }
    const QJsonObject o = body.toObject();
    if (o.isEmpty()) {
        p.add(QStringLiteral("body"), QStringLiteral("must hold at least one section"));
        return p.error();
    }
    static const QStringList sections {
        QStringLiteral("nickname"),       QStringLiteral("age_range"),
        QStringLiteral("location_city"),  QStringLiteral("location_country"),
        QStringLiteral("avatar_url"),     QStringLiteral("bio"),
        QStringLiteral("preferences"),    QStringLiteral("values"),
        QStringLiteral("interests"),      QStringLiteral("off_limits_topics"),
        QStringLiteral("non_negotiables")};
    static const QStringList readOnly {QStringLiteral("user_id"),
                                       QStringLiteral("onboarding_complete"),
                                       QStringLiteral("updated_at")};
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (readOnly.contains(it.key()))
            p.add(it.key(), QStringLiteral("is read-only"));
        else if (!sections.contains(it.key()))
            p.add(it.key(), QStringLiteral("is not a known field"));
    }

    ProfileUpdate u;
    const auto present = [&o](const char *name) {
        return o.contains(QLatin1String(name));
    };
    const auto value = [&o](const char *name) {
        return o.value(QLatin1String(name));
    };

    if (present("nickname")) {
        const QString path = QStringLiteral("nickname");
        if (const TextField t = textField(value("nickname"), path, false, p); t.ok) {
            const QString nickname = t.text.trimmed();
            if (const QString problem = ProfileRules::nicknameProblem(nickname); !problem.isEmpty())
                p.add(path, problem);
            else
                u.nickname = nickname;
        }
    }
    if (present("age_range")) {
        const QJsonValue v = value("age_range");
        if (v.isNull())
            u.ageRange = QString();
        else if (v.isString() && ProfileRules::ageRanges().contains(v.toString()))
            u.ageRange = v.toString();
        else
            p.add(QStringLiteral("age_range"),
                  QStringLiteral("must be one of %1, or null")
                      .arg(ProfileRules::ageRanges().join(QStringLiteral(", "))));
    }
    if (present("location_city")) {
        const QString path = QStringLiteral("location_city");
        if (const TextField t = textField(value("location_city"), path, true, p); t.ok) {
            const QString city = t.text.trimmed();
            if (validation::codePoints(city) > ProfileRules::kCityMax)
                p.add(path,
                      QStringLiteral("must be at most %1 characters").arg(ProfileRules::kCityMax));
            else if (const QString bad = validation::textProblem(city, TextPolicy::SingleLine);
                     !bad.isEmpty())
                p.add(path, bad);
            else
                u.locationCity = city;
        }
    }
    if (present("location_country")) {
        static const QRegularExpression alpha2(QStringLiteral("^[A-Z]{2}$"));
        const QJsonValue v = value("location_country");
        if (v.isNull())
            u.locationCountry = QString();
        else if (v.isString() && alpha2.match(v.toString()).hasMatch())
            u.locationCountry = v.toString();
        else
            p.add(QStringLiteral("location_country"),
                  QStringLiteral("must be an ISO 3166-1 alpha-2 code such as \"DE\", or null"));
    }
    if (present("avatar_url")) {
        const QString path = QStringLiteral("avatar_url");
        if (const TextField t = textField(value("avatar_url"), path, true, p); t.ok) {
            const QUrl url(t.text, QUrl::StrictMode);
            const QString scheme = url.scheme().toLower();
            if (t.text.isEmpty() && value("avatar_url").isNull())
                u.avatarUrl = QString();
            else if (t.text.size() > ProfileRules::kAvatarUrlMax)
                p.add(path,
                      QStringLiteral("must be at most %1 characters")
                          .arg(ProfileRules::kAvatarUrlMax));
            else if (!url.isValid() ||
                     (scheme != QLatin1String("http") && scheme != QLatin1String("https")) ||
                     url.host().isEmpty() || t.text.contains(QLatin1Char(' ')) ||
                     !validation::textProblem(t.text, TextPolicy::SingleLine).isEmpty())
                p.add(path, QStringLiteral("must be an http or https URL, or null"));
            else
                u.avatarUrl = t.text;
        }
    }
    if (present("bio")) {
        const QString path = QStringLiteral("bio");
        if (const TextField t = textField(value("bio"), path, true, p); t.ok) {
            const QString bio = t.text.trimmed();
            if (validation::codePoints(bio) > ProfileRules::kBioMax)
                p.add(path,
                      QStringLiteral("must be at most %1 characters").arg(ProfileRules::kBioMax));
            else if (const QString bad = validation::textProblem(bio, TextPolicy::MultiLine);
                     !bad.isEmpty())
                p.add(path, bad);
            else
                u.bio = bio;
        }
    }
    if (present("preferences"))
        u.preferences = checkPreferences(value("preferences"), p);

    // The keys non-negotiables may point at: this request's sections where present, else the
    // stored ones.
    QSet<QString> values = onFile.values;
    QSet<QString> interests = onFile.interests;
    if (present("values")) {
        values.clear();
        u.values = checkScoreMap(value("values"), QStringLiteral("values"), &Catalog::containsValue,
                                 QStringLiteral("value"), catalog, &values, p);
    }
    if (present("interests")) {
        interests.clear();
        u.interests = checkScoreMap(value("interests"), QStringLiteral("interests"),
                                    &Catalog::containsInterest, QStringLiteral("interest"), catalog,
                                    &interests, p);
    }
    if (present("off_limits_topics"))
        u.offLimitsTopics = checkTopics(value("off_limits_topics"), catalog, p);
    if (present("non_negotiables")) {
        u.nonNegotiables =
            checkNonNegotiables(value("non_negotiables"), catalog, values, interests, p);
    } else {
        // Stored non-negotiables stay: a values/interests section may not pull a key from
        // under one of them (it would silently stop counting in matching).
        for (const ProfileNonNegotiable &n : onFile.nonNegotiables) {
            if (n.dimension == QLatin1String("value") && present("values") &&
                value("values").isObject() && !values.contains(n.key))
                p.add(QStringLiteral("values"),
                      QStringLiteral("drops \"%1\", a non-negotiable (rank %2): change "
                                     "non_negotiables in the same request")
                          .arg(n.key)
                          .arg(n.priorityRank));
            if (n.dimension == QLatin1String("interest") && present("interests") &&
                value("interests").isObject() && !interests.contains(n.key))
                p.add(QStringLiteral("interests"),
                      QStringLiteral("drops \"%1\", a non-negotiable (rank %2): change "
                                     "non_negotiables in the same request")
                          .arg(n.key)
                          .arg(n.priorityRank));
        }
    }

    if (!p.empty())
        return p.error();
    return u;
}

} // namespace fp
