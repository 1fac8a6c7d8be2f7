// The rules of PUT /api/profile (server/profile/ProfileValidation): every row is one body and the
// exact set of field paths it must be refused for (none = accepted). Plus the catalog loader and
// the derived onboarding state.

#include "server/profile/Catalog.h"
#include "server/profile/ProfileRules.h"
#include "server/profile/ProfileValidation.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace fp;

namespace {

const Catalog &catalog()
{
    // The catalog the server embeds: the tests check the shipped keys, not a fixture.
    static const Catalog shipped = *Catalog::embedded();
    return shipped;
}

QJsonValue parse(const QByteArray &json)
{
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad test JSON: %s in %s", qPrintable(error.errorString()), json.constData());
    return doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
}

QStringList badFields(const Result<ProfileUpdate> &r)
{
    if (r)
        return {};
    QStringList keys = r.error().details.value(QStringLiteral("fields")).toObject().keys();
    keys.sort();
    return keys;
}

/// A complete, valid preferences object with `override` merged over it.
QByteArray prefs(const QByteArray &override = {})
{
    QJsonObject base = parse(R"({"conversation_depth":"deep","contact_frequency":"weekly",
        "directness_score":70,"humor_score":85,"response_pace":"flexible",
        "group_comfort":"one_to_one","friendship_intention":"long_term"})")
                           .toObject();
    if (!override.isEmpty()) {
        const QJsonObject extra = parse(override).toObject();
        for (auto it = extra.begin(); it != extra.end(); ++it)
            base.insert(it.key(), it.value());
    }
    return QJsonDocument(base).toJson(QJsonDocument::Compact);
}

QByteArray withPrefs(const QByteArray &override)
{
    return "{\"preferences\":" + prefs(override) + "}";
}

QByteArray windows(int count)
{
    static const char *days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    QJsonArray list;
    for (int i = 0; i < count; ++i) {
        const int slot = i / 7; // three per day: 06-08, 12-14, 18-20 (and beyond)
        list.append(
            QJsonObject {{QStringLiteral("day"), QString::fromLatin1(days[i % 7])},
                         {QStringLiteral("start"),
                          QStringLiteral("%1:00").arg(slot * 3, 2, 10, QLatin1Char('0'))},
                         {QStringLiteral("end"),
                          QStringLiteral("%1:00").arg(slot * 3 + 2, 2, 10, QLatin1Char('0'))}});
    }
    return withPrefs(
        "{\"availability_windows\":" + QJsonDocument(list).toJson(QJsonDocument::Compact) + "}");
}

} // namespace

class TestProfileValidation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rules_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QStringList>("storedValues");
        QTest::addColumn<QByteArray>("storedNonNegotiables");
        QTest::addColumn<QStringList>("expectedBad");

        const QStringList none;
        const QStringList threeValues {QStringLiteral("honesty"), QStringLiteral("empathy"),
                                       QStringLiteral("curiosity")};
        const auto ok = [&](const char *name, const QByteArray &body) {
            QTest::newRow(name) << body << none << QByteArray("[]") << none;
        };
        const auto bad = [&](const char *name, const QByteArray &body, const QStringList &paths) {
            QTest::newRow(name) << body << none << QByteArray("[]") << paths;
        };

        // ---- accepted ----
        ok("nickname only", R"({"nickname":"Mira"})");
        ok("nickname trimmed", R"({"nickname":"  Mira  "})");
        ok("nickname unicode letters", R"({"nickname":"Zoë Łukasz"})");
        ok("nickname cjk", R"({"nickname":"李小龍"})");
        ok("nickname punctuation", R"({"nickname":"jo_ann.b-2"})");
        ok("nickname 32 chars", R"({"nickname":"abcdefghijabcdefghijabcdefghijab"})");
        ok("nullable scalars cleared",
           R"({"age_range":null,"location_city":null,"location_country":null,
               "avatar_url":null,"bio":null})");
        ok("scalars set",
           "{\"age_range\":\"25-34\",\"location_city\":\"Leipzig\",\"location_country\":\"DE\", "
           "\"avatar_url\":\"https://cdn.example.org/a.png\",\"bio\":\"Night walks.\"}");
        ok("age range 65+", R"({"age_range":"65+"})");
        ok("http avatar", "{\"avatar_url\":\"http://example.org/me.jpg\"}");
        ok("bio 280 chars", "{\"bio\":\"" + QByteArray(280, 'x') + "\"}");
        ok("bio 280 emoji (code points, not UTF-16 units)",
           "{\"bio\":\"" + QString(QStringLiteral("😀")).repeated(280).toUtf8() + "\"}");
        ok("bio with newline", R"({"bio":"line one\nline two"})");
        ok("preferences required fields only", withPrefs({}));
        ok("preferences everything", withPrefs(R"({"voice_note_ok":true,"timezone":"Europe/Berlin",
               "availability_windows":[{"day":"tue","start":"18:30","end":"21:00"}]})"));
        ok("scores at the bounds", withPrefs(R"({"directness_score":0,"humor_score":100})"));
        ok("score written as 50.0", withPrefs(R"({"humor_score":50.0})"));
        ok("end 24:00",
           withPrefs(R"({"availability_windows":[{"day":"sun","start":"22:00","end":"24:00"}]})"));
        ok("start 00:00 end 23:59",
           withPrefs(R"({"availability_windows":[{"day":"mon","start":"00:00","end":"23:59"}]})"));
        ok("touching windows",
           withPrefs(R"({"availability_windows":[{"day":"mon","start":"10:00","end":"12:00"},
                                                  {"day":"mon","start":"12:00","end":"14:00"}]})"));
        ok("same times on different days",
           withPrefs(R"({"availability_windows":[{"day":"mon","start":"10:00","end":"12:00"},
                                                  {"day":"tue","start":"10:00","end":"12:00"}]})"));
        ok("21 windows", windows(21));
        ok("no windows", withPrefs(R"({"availability_windows":[]})"));
        ok("timezone UTC", withPrefs(R"({"timezone":"UTC"})"));
        ok("timezone three parts", withPrefs(R"({"timezone":"America/Argentina/Buenos_Aires"})"));
        ok("values and interests",
           R"({"values":{"honesty":95,"empathy":80,"curiosity":75},
               "interests":{"books":90,"hiking":60,"board_games":85}})");
        ok("empty sections clear",
           R"({"values":{},"interests":{},"off_limits_topics":[],"non_negotiables":[]})");
        ok("topics", R"({"off_limits_topics":["politics","religion"]})");
        ok("non-negotiables on keys of the same request",
           R"({"values":{"honesty":95},"interests":{"books":90},
               "non_negotiables":[{"dimension":"value","key":"honesty","priority_rank":1},
                                  {"dimension":"interest","key":"books","priority_rank":3},
                                  {"dimension":"preference","key":"conversation_depth","priority_rank":2}]})");
        QTest::newRow("non-negotiable on a stored value")
            << QByteArray(
                   R"({"non_negotiables":[{"dimension":"value","key":"empathy","priority_rank":1}]})")
            << threeValues << QByteArray("[]") << none;
        QTest::newRow("values keep the stored non-negotiable's key")
            << QByteArray(R"({"values":{"honesty":10}})") << threeValues
            << QByteArray(R"([{"dimension":"value","key":"honesty","priority_rank":1}])") << none;
        QTest::newRow("values and non-negotiables change together")
            << QByteArray(R"({"values":{"empathy":10},"non_negotiables":[]})") << threeValues
            << QByteArray(R"([{"dimension":"value","key":"honesty","priority_rank":1}])") << none;

        // ---- the body ----
        bad("body is a list", "[1,2]", {QStringLiteral("body")});
        bad("body is empty", "{}", {QStringLiteral("body")});
        bad("unknown top-level key", R"({"nickname":"Mira","favourite_colour":"blue"})",
            {QStringLiteral("favourite_colour")});
        bad("read-only keys", R"({"user_id":"x","onboarding_complete":true,"updated_at":"y"})",
            {QStringLiteral("onboarding_complete"), QStringLiteral("updated_at"),
             QStringLiteral("user_id")});

        // ---- scalars ----
        bad("nickname one char", R"({"nickname":"A"})", {QStringLiteral("nickname")});
        bad("nickname two spaces around one char", R"({"nickname":"  A  "})",
            {QStringLiteral("nickname")});
        bad("nickname 33 chars", R"({"nickname":"abcdefghijabcdefghijabcdefghijabc"})",
            {QStringLiteral("nickname")});
        bad("nickname markup", R"({"nickname":"<b>Mira</b>"})", {QStringLiteral("nickname")});
        bad("nickname emoji", R"({"nickname":"😀😀"})", {QStringLiteral("nickname")});
        bad("nickname punctuation only", R"({"nickname":"..."})", {QStringLiteral("nickname")});
        bad("nickname number", R"({"nickname":42})", {QStringLiteral("nickname")});
        bad("nickname null", R"({"nickname":null})", {QStringLiteral("nickname")});
        bad("nickname newline", R"({"nickname":"Mi\nra"})", {QStringLiteral("nickname")});
        bad("age range unknown", R"({"age_range":"17-20"})", {QStringLiteral("age_range")});
        bad("age range number", R"({"age_range":25})", {QStringLiteral("age_range")});
        bad("country lowercase", R"({"location_country":"de"})",
            {QStringLiteral("location_country")});
        bad("country alpha-3", R"({"location_country":"DEU"})",
            {QStringLiteral("location_country")});
        bad("city too long", "{\"location_city\":\"" + QByteArray(101, 'c') + "\"}",
            {QStringLiteral("location_city")});
        bad("city number", R"({"location_city":7})", {QStringLiteral("location_city")});
        bad("avatar ftp", "{\"avatar_url\":\"ftp://example.org/a.png\"}",
            {QStringLiteral("avatar_url")});
        bad("avatar javascript", "{\"avatar_url\":\"javascript:alert(1)\"}",
            {QStringLiteral("avatar_url")});
        bad("avatar empty string", R"({"avatar_url":""})", {QStringLiteral("avatar_url")});
        bad("avatar no host", "{\"avatar_url\":\"https://\"}", {QStringLiteral("avatar_url")});
        bad("avatar too long",
            "{\"avatar_url\":\"https://example.org/" + QByteArray(2048, 'a') + "\"}",
            {QStringLiteral("avatar_url")});
        bad("bio 281 chars", "{\"bio\":\"" + QByteArray(281, 'x') + "\"}", {QStringLiteral("bio")});
        bad("bio object", R"({"bio":{}})", {QStringLiteral("bio")});

        // ---- preferences ----
        bad("preferences null", R"({"preferences":null})", {QStringLiteral("preferences")});
        bad("preferences list", R"({"preferences":[]})", {QStringLiteral("preferences")});
        bad("preferences missing fields", R"({"preferences":{"humor_score":50}})",
            {QStringLiteral("preferences.contact_frequency"),
             QStringLiteral("preferences.conversation_depth"),
             QStringLiteral("preferences.directness_score"),
             QStringLiteral("preferences.friendship_intention"),
             QStringLiteral("preferences.group_comfort"),
             QStringLiteral("preferences.response_pace")});
        bad("preferences unknown key", withPrefs(R"({"mood":"sunny"})"),
            {QStringLiteral("preferences.mood")});
        bad("humor 101", withPrefs(R"({"humor_score":101})"),
            {QStringLiteral("preferences.humor_score")});
        bad("humor -1", withPrefs(R"({"humor_score":-1})"),
            {QStringLiteral("preferences.humor_score")});
        bad("humor 50.5", withPrefs(R"({"humor_score":50.5})"),
            {QStringLiteral("preferences.humor_score")});
        bad("humor as string", withPrefs(R"({"humor_score":"50"})"),
            {QStringLiteral("preferences.humor_score")});
        bad("directness null", withPrefs(R"({"directness_score":null})"),
            {QStringLiteral("preferences.directness_score")});
        bad("depth unknown", withPrefs(R"({"conversation_depth":"shallow"})"),
            {QStringLiteral("preferences.conversation_depth")});
        bad("frequency unknown", withPrefs(R"({"contact_frequency":"hourly"})"),
            {QStringLiteral("preferences.contact_frequency")});
        bad("pace unknown", withPrefs(R"({"response_pace":"slow"})"),
            {QStringLiteral("preferences.response_pace")});
        bad("group unknown", withPrefs(R"({"group_comfort":"crowds"})"),
            {QStringLiteral("preferences.group_comfort")});
        bad("intention unknown", withPrefs(R"({"friendship_intention":"dating"})"),
            {QStringLiteral("preferences.friendship_intention")});
        bad("enum case matters", withPrefs(R"({"conversation_depth":"Deep"})"),
            {QStringLiteral("preferences.conversation_depth")});
        bad("voice note as string", withPrefs(R"({"voice_note_ok":"yes"})"),
            {QStringLiteral("preferences.voice_note_ok")});
        bad("timezone unknown", withPrefs(R"({"timezone":"Mars/Olympus_Mons"})"),
            {QStringLiteral("preferences.timezone")});
        bad("timezone offset id", withPrefs(R"({"timezone":"UTC+01:00"})"),
            {QStringLiteral("preferences.timezone")});
        bad("timezone empty", withPrefs(R"({"timezone":""})"),
            {QStringLiteral("preferences.timezone")});
        bad("windows not a list", withPrefs(R"({"availability_windows":"evenings"})"),
            {QStringLiteral("preferences.availability_windows")});
        bad("22 windows", windows(22), {QStringLiteral("preferences.availability_windows")});
        bad("window not an object", withPrefs(R"({"availability_windows":["mon 9-5"]})"),
            {QStringLiteral("preferences.availability_windows[0]")});
        bad("window day long name",
            withPrefs(
                R"({"availability_windows":[{"day":"monday","start":"09:00","end":"10:00"}]})"),
            {QStringLiteral("preferences.availability_windows[0].day")});
        bad("window start 24:00",
            withPrefs(R"({"availability_windows":[{"day":"mon","start":"24:00","end":"24:00"}]})"),
            {QStringLiteral("preferences.availability_windows[0].start")});
        bad("window start one digit hour",
            withPrefs(R"({"availability_windows":[{"day":"mon","start":"9:00","end":"10:00"}]})"),
            {QStringLiteral("preferences.availability_windows[0].start")});
        bad("window end 25:00",
            withPrefs(R"({"availability_windows":[{"day":"mon","start":"09:00","end":"25:00"}]})"),
            {QStringLiteral("preferences.availability_windows[0].end")});
        bad("window end 24:30",
            withPrefs(R"({"availability_windows":[{"day":"mon","start":"09:00","end":"24:30"}]})"),
            {QStringLiteral("preferences.availability_windows[0].end")});
        bad("window minutes 60",
            withPrefs(R"({"availability_windows":[{"day":"mon","start":"09:60","end":"10:00"}]})"),
            {QStringLiteral("preferences.availability_windows[0].start")});
        bad("window end before start",
            withPrefs(R"({"availability_windows":[{"day":"mon","start":"18:00","end":"09:00"}]})"),
            {QStringLiteral("preferences.availability_windows[0].end")});
        bad("window empty",
            withPrefs(R"({"availability_windows":[{"day":"mon","start":"09:00","end":"09:00"}]})"),
            {QStringLiteral("preferences.availability_windows[0].end")});
        bad("window missing end",
            withPrefs(R"({"availability_windows":[{"day":"mon","start":"09:00"}]})"),
            {QStringLiteral("preferences.availability_windows[0].end")});
        bad("window unknown key",
            withPrefs(
                R"({"availability_windows":[{"day":"mon","start":"09:00","end":"10:00","tz":"UTC"}]})"),
            {QStringLiteral("preferences.availability_windows[0].tz")});
        bad("windows overlap",
            withPrefs(R"({"availability_windows":[{"day":"mon","start":"09:00","end":"12:00"},
                                                   {"day":"tue","start":"09:00","end":"12:00"},
                                                   {"day":"mon","start":"11:00","end":"13:00"}]})"),
            {QStringLiteral("preferences.availability_windows[2]")});

        // ---- values, interests, topics ----
        bad("value key misspelt", R"({"values":{"honestyy":90,"empathy":80}})",
            {QStringLiteral("values.honestyy")});
        bad("interest key as value", R"({"values":{"books":90}})",
            {QStringLiteral("values.books")});
        bad("value score 101", R"({"values":{"honesty":101}})", {QStringLiteral("values.honesty")});
        bad("value score string", R"({"values":{"honesty":"high"}})",
            {QStringLiteral("values.honesty")});
        bad("values a list", R"({"values":["honesty"]})", {QStringLiteral("values")});
        bad("interest key unknown", R"({"interests":{"knitting_in_space":50}})",
            {QStringLiteral("interests.knitting_in_space")});
        bad("interest score negative", R"({"interests":{"books":-5}})",
            {QStringLiteral("interests.books")});
        bad("topic unknown", R"({"off_limits_topics":["politics","weather"]})",
            {QStringLiteral("off_limits_topics[1]")});
        bad("topic repeated", R"({"off_limits_topics":["politics","religion","politics"]})",
            {QStringLiteral("off_limits_topics[2]")});
        bad("topic not a string", R"({"off_limits_topics":[3]})",
            {QStringLiteral("off_limits_topics[0]")});
        bad("topics an object", R"({"off_limits_topics":{"politics":true}})",
            {QStringLiteral("off_limits_topics")});

        // ---- non-negotiables ----
        const QByteArray fourItems =
            R"({"values":{"honesty":1,"empathy":2,"curiosity":3,"humor":4},"non_negotiables":[
                {"dimension":"value","key":"honesty","priority_rank":1},
                {"dimension":"value","key":"empathy","priority_rank":2},
                {"dimension":"value","key":"curiosity","priority_rank":3},
                {"dimension":"value","key":"humor","priority_rank":3}]})";
        bad("four non-negotiables", fourItems,
            {QStringLiteral("non_negotiables"),
             QStringLiteral("non_negotiables[3].priority_rank")});
        bad("repeated rank",
            R"({"values":{"honesty":1,"empathy":2},"non_negotiables":[
                {"dimension":"value","key":"honesty","priority_rank":1},
                {"dimension":"value","key":"empathy","priority_rank":1}]})",
            {QStringLiteral("non_negotiables[1].priority_rank")});
        bad("rank 0",
            R"({"values":{"honesty":1},"non_negotiables":[{"dimension":"value","key":"honesty","priority_rank":0}]})",
            {QStringLiteral("non_negotiables[0].priority_rank")});
        bad("rank 4",
            R"({"values":{"honesty":1},"non_negotiables":[{"dimension":"value","key":"honesty","priority_rank":4}]})",
            {QStringLiteral("non_negotiables[0].priority_rank")});
        bad("rank missing",
            R"({"values":{"honesty":1},"non_negotiables":[{"dimension":"value","key":"honesty"}]})",
            {QStringLiteral("non_negotiables[0].priority_rank")});
        bad("dimension unknown",
            R"({"non_negotiables":[{"dimension":"vibe","key":"honesty","priority_rank":1}]})",
            {QStringLiteral("non_negotiables[0].dimension")});
        bad("value not among the caller's values",
            R"({"non_negotiables":[{"dimension":"value","key":"honesty","priority_rank":1}]})",
            {QStringLiteral("non_negotiables[0].key")});
        bad("value key not in catalog",
            R"({"non_negotiables":[{"dimension":"value","key":"honestyy","priority_rank":1}]})",
            {QStringLiteral("non_negotiables[0].key")});
        bad("interest not among the caller's interests",
            R"({"values":{"honesty":1},"non_negotiables":[{"dimension":"interest","key":"honesty","priority_rank":1}]})",
            {QStringLiteral("non_negotiables[0].key")});
        bad("preference name unknown",
            R"({"non_negotiables":[{"dimension":"preference","key":"timezone","priority_rank":1}]})",
            {QStringLiteral("non_negotiables[0].key")});
        bad("same item twice",
            R"({"values":{"honesty":1},"non_negotiables":[
                {"dimension":"value","key":"honesty","priority_rank":1},
                {"dimension":"value","key":"honesty","priority_rank":2}]})",
            {QStringLiteral("non_negotiables[1].key")});
        bad("non-negotiable unknown member",
            R"({"non_negotiables":[{"dimension":"preference","key":"humor_score","priority_rank":1,"weight":9}]})",
            {QStringLiteral("non_negotiables[0].weight")});
        bad("non-negotiable not an object", R"({"non_negotiables":["honesty"]})",
            {QStringLiteral("non_negotiables[0]")});
        bad("non-negotiables an object", R"({"non_negotiables":{}})",
            {QStringLiteral("non_negotiables")});
        QTest::newRow("values drop a stored non-negotiable")
            << QByteArray(R"({"values":{"empathy":10}})") << threeValues
            << QByteArray(R"([{"dimension":"value","key":"honesty","priority_rank":1}])")
            << QStringList {QStringLiteral("values")};

        // ---- several at once: every bad field is named, not only the first ----
        bad("five problems at once",
            R"({"nickname":"x","favourite_colour":"blue","values":{"honestyy":50},
                "preferences":{"conversation_depth":"deep","contact_frequency":"weekly",
                  "directness_score":70,"humor_score":101,"response_pace":"flexible",
                  "group_comfort":"one_to_one","friendship_intention":"long_term",
                  "availability_windows":[{"day":"mon","start":"09:00","end":"10:00"},
                                          {"day":"tue","start":"09:00","end":"10:00"},
                                          {"day":"wed","start":"9am","end":"10:00"}]}})",
            {QStringLiteral("favourite_colour"), QStringLiteral("nickname"),
             QStringLiteral("preferences.availability_windows[2].start"),
             QStringLiteral("preferences.humor_score"), QStringLiteral("values.honestyy")});
        bad("problems in every section",
            "{\"nickname\":\"A\",\"age_range\":\"teen\",\"location_country\":\"xx\",\"avatar_url\":"
            "\"ftp://a\", "
            "\"bio\":7,\"preferences\":{\"conversation_depth\":\"deep\"},\"values\":{\"honesty\":"
            "300}, \"interests\":{\"books\":-1},\"off_limits_topics\":[\"weather\"], "
            "\"non_negotiables\":[{\"dimension\":\"x\",\"key\":\"y\",\"priority_rank\":9}]}",
            {QStringLiteral("age_range"), QStringLiteral("avatar_url"), QStringLiteral("bio"),
             QStringLiteral("interests.books"), QStringLiteral("location_country"),
             QStringLiteral("nickname"), QStringLiteral("non_negotiables[0].dimension"),
             QStringLiteral("non_negotiables[0].priority_rank"),
             QStringLiteral("off_limits_topics[0]"),
             QStringLiteral("preferences.contact_frequency"),
             QStringLiteral("preferences.directness_score"),
             QStringLiteral("preferences.friendship_intention"),
             QStringLiteral("preferences.group_comfort"), QStringLiteral("preferences.humor_score"),
             QStringLiteral("preferences.response_pace"), QStringLiteral("values.honesty")});
    }

    void rules()
    {
        QFETCH(QByteArray, body);
        QFETCH(QStringList, storedValues);
        QFETCH(QByteArray, storedNonNegotiables);
        QFETCH(QStringList, expectedBad);

        ProfileKeysOnFile onFile;
        for (const QString &v : storedValues)
            onFile.values.insert(v);
        for (const QJsonValue &n : parse(storedNonNegotiables).toArray()) {
            const QJsonObject o = n.toObject();
            onFile.nonNegotiables.append({o.value(QStringLiteral("dimension")).toString(),
                                          o.value(QStringLiteral("key")).toString(),
                                          o.value(QStringLiteral("priority_rank")).toInt()});
        }
        const Result<ProfileUpdate> result = validateProfileUpdate(parse(body), catalog(), onFile);
        QStringList expected = expectedBad;
        expected.sort();
        if (!result) {
            QCOMPARE(result.error().status(), 400);
            QCOMPARE(errorCodeName(result.error().code), QStringLiteral("validation_failed"));
            const QJsonObject fields =
                result.error().details.value(QStringLiteral("fields")).toObject();
            for (auto it = fields.begin(); it != fields.end(); ++it)
                QVERIFY2(!it.value().toString().isEmpty(), qPrintable(it.key()));
        }
        QCOMPARE(badFields(result), expected);
    }

    void parsedValues()
    {
        const Result<ProfileUpdate> r = validateProfileUpdate(
            parse(R"({"nickname":"  Zoë  ","bio":"  hi  ","age_range":null,"location_city":"",
                     "preferences":{"conversation_depth":"deep","contact_frequency":"weekly",
                       "directness_score":70,"humor_score":85.0,"response_pace":"flexible",
                       "group_comfort":"one_to_one","friendship_intention":"long_term",
                       "availability_windows":[{"day":"sun","start":"22:00","end":"24:00"}]},
                     "values":{"honesty":95},"off_limits_topics":["politics"],
                     "non_negotiables":[{"dimension":"value","key":"honesty","priority_rank":2}]})"),
            catalog(), {});
        QVERIFY(r.ok());
        QCOMPARE(*r->nickname, QStringLiteral("Zoë"));
        QCOMPARE(*r->bio, QStringLiteral("hi"));
        QVERIFY(r->ageRange.has_value() && r->ageRange->isEmpty()); // null clears
        QVERIFY(r->locationCity.has_value() && r->locationCity->isEmpty());
        QVERIFY(!r->avatarUrl.has_value()); // absent: untouched
        QVERIFY(!r->interests.has_value());
        QCOMPARE(r->preferences->humorScore, std::optional<int>(85));
        QCOMPARE(r->preferences->voiceNoteOk, false); // absent optional: its default
        QCOMPARE(r->preferences->timezone, QStringLiteral("UTC"));
        QCOMPARE(r->preferences->availabilityWindows,
                 QList<ProfileWindow>(
                     {{QStringLiteral("sun"), QStringLiteral("22:00"), QStringLiteral("24:00")}}));
        QCOMPARE(r->values->value(QStringLiteral("honesty")), 95);
        QCOMPARE(*r->offLimitsTopics, QStringList {QStringLiteral("politics")});
        QCOMPARE(r->nonNegotiables->size(), 1);
        QCOMPARE(r->nonNegotiables->first().priorityRank, 2);
    }

    void messagesSayWhatIsWrong()
    {
        const Result<ProfileUpdate> r =
            validateProfileUpdate(parse(withPrefs(R"({"humor_score":101})")), catalog(), {});
        QVERIFY(!r.ok());
        QCOMPARE(r.error()
                     .details.value(QStringLiteral("fields"))
                     .toObject()
                     .value(QStringLiteral("preferences.humor_score"))
                     .toString(),
                 QStringLiteral("must be an integer 0-100"));
    }

    void onboarding_data()
    {
        QTest::addColumn<QString>("nickname");
        QTest::addColumn<bool>("withPreferences");
        QTest::addColumn<int>("values");
        QTest::addColumn<int>("interests");
        QTest::addColumn<bool>("complete");
        QTest::newRow("everything") << "Mira" << true << 3 << 3 << true;
        QTest::newRow("more than enough") << "Mira" << true << 10 << 8 << true;
        QTest::newRow("no nickname") << "" << true << 3 << 3 << false;
        QTest::newRow("no preferences") << "Mira" << false << 3 << 3 << false;
        QTest::newRow("two values") << "Mira" << true << 2 << 3 << false;
        QTest::newRow("two interests") << "Mira" << true << 3 << 2 << false;
        QTest::newRow("nothing") << "" << false << 0 << 0 << false;
    }

    void onboarding()
    {
        QFETCH(QString, nickname);
        QFETCH(bool, withPreferences);
        QFETCH(int, values);
        QFETCH(int, interests);
        QFETCH(bool, complete);
        std::optional<ProfilePreferences> prefs;
        if (withPreferences) {
            const Result<ProfileUpdate> parsed =
                validateProfileUpdate(parse(withPrefs({})), catalog(), {});
            QVERIFY(parsed.ok());
            prefs = parsed->preferences;
        }
        QCOMPARE(ProfileRules::onboardingComplete(nickname, prefs, values, interests), complete);
    }

    void incompletePreferencesRowIsNotOnboarded()
    {
        ProfilePreferences prefs; // a row whose columns were never answered
        QVERIFY(!prefs.complete());
        QVERIFY(!ProfileRules::onboardingComplete(QStringLiteral("Mira"), prefs, 3, 3));
    }

    // Issue #16: a PUT writes only what differs from the stored profile. The profile screen
    // sends every field again to move one slider; only that section and the edited bio remain.
    void onlyWhatDiffersIsAChange()
    {
        Profile stored;
        stored.nickname = QStringLiteral("Mira");
        stored.ageRange = QStringLiteral("25-34");
        stored.locationCity = QStringLiteral("Lisbon");
        stored.bio = QStringLiteral("Tea and long walks.");
        stored.values = {{QStringLiteral("honesty"), 90}, {QStringLiteral("empathy"), 80}};
        stored.interests = {{QStringLiteral("books"), 50}, {QStringLiteral("hiking"), 60}};
        stored.offLimitsTopics = {QStringLiteral("politics")};
        ProfilePreferences prefs;
        prefs.humorScore = 40;
        stored.preferences = prefs;

        ProfileUpdate resent;
        resent.nickname = stored.nickname;
        resent.ageRange = stored.ageRange;
        resent.locationCity = stored.locationCity;
        resent.locationCountry = QString(); // stored NULL, read back empty: the same
        resent.bio = stored.bio;
        resent.values = stored.values;
        resent.interests = stored.interests;
        resent.offLimitsTopics = stored.offLimitsTopics;
        resent.preferences = prefs;
        resent.nonNegotiables = QList<ProfileNonNegotiable> {};

        const ProfileUpdate none = ProfileRules::changesFrom(stored, resent);
        QCOMPARE(ProfileRules::changedSections(none), QStringList());
        QVERIFY(!none.nickname && !none.locationCountry && !none.values && !none.preferences &&
                !none.nonNegotiables);

        ProfileUpdate edited = resent;
        edited.bio = QStringLiteral("Coffee now.");
        edited.interests->insert(QStringLiteral("books"), 55);
        edited.locationCity = QString(); // cleared
        const ProfileUpdate changes = ProfileRules::changesFrom(stored, edited);
        QCOMPARE(ProfileRules::changedSections(changes),
                 (QStringList {QStringLiteral("location_city"), QStringLiteral("bio"),
                               QStringLiteral("interests")}));
        QCOMPARE(*changes.bio, QStringLiteral("Coffee now."));
        QCOMPARE(*changes.locationCity, QString());
        QCOMPARE(changes.interests->value(QStringLiteral("books")), 55);
        QVERIFY(!changes.nickname && !changes.ageRange && !changes.values && !changes.preferences);

        // A new profile: everything given differs from nothing stored.
        const ProfileUpdate first = ProfileRules::changesFrom(Profile {}, edited);
        QVERIFY(first.nickname && first.values && first.preferences);
        QVERIFY(!first.locationCity); // empty, as a profile without one reads
    }

    void shippedCatalog()
    {
        // The embedded file and the one in the source tree are the same, and both load.
        QFile file(QStringLiteral(FP_SOURCE_DIR_LITERAL "/resources/catalog/catalog.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const Result<Catalog> fromSource = Catalog::fromJson(file.readAll());
        QVERIFY2(fromSource.ok(), qPrintable(fromSource ? QString() : fromSource.error().message));
        QCOMPARE(fromSource->toJson(), catalog().toJson());

        QVERIFY(catalog().valuesKeys().size() >= 3);
        QVERIFY(catalog().interestKeys().size() >= 3);
        QVERIFY(catalog().containsValue(QStringLiteral("honesty")));
        QVERIFY(!catalog().containsValue(QStringLiteral("books")));
        QVERIFY(catalog().containsInterest(QStringLiteral("books")));
        QVERIFY(catalog().containsTopic(QStringLiteral("politics")));
        QVERIFY(catalog().containsFeedbackTag(QStringLiteral("kind")));
        QVERIFY(catalog().containsReportReason(QStringLiteral("harassment")));
        QCOMPARE(catalog().reportSeverity(QStringLiteral("threats")),
                 std::optional<QString>(QStringLiteral("critical")));
        QCOMPARE(catalog().reportSeverity(QStringLiteral("nope")), std::nullopt);
        const QJsonObject json = catalog().toJson();
        QCOMPARE(json.keys(),
                 QStringList({QStringLiteral("feedback_tags"), QStringLiteral("interests"),
                              QStringLiteral("report_reasons"), QStringLiteral("topics"),
                              QStringLiteral("values")}));
        QCOMPARE(json.value(QStringLiteral("report_reasons")).toArray().size(),
                 catalog().reportReasons().size());
    }

    void brokenCatalogs_data()
    {
        QTest::addColumn<QByteArray>("json");
        const QByteArray rest =
            R"("interests":["books"],"topics":["politics"],"feedback_tags":["kind"],
               "report_reasons":[{"key":"spam","severity":"low"}])";
        QTest::newRow("not json") << QByteArray("{nope");
        QTest::newRow("a list") << QByteArray("[]");
        QTest::newRow("values missing") << "{" + rest + "}";
        QTest::newRow("values empty") << "{\"values\":[]," + rest + "}";
        QTest::newRow("key with capitals") << "{\"values\":[\"Honesty\"]," + rest + "}";
        QTest::newRow("key repeated") << "{\"values\":[\"a\",\"a\"]," + rest + "}";
        QTest::newRow("severity unknown") << QByteArray(
            R"({"values":["a"],"interests":["b"],"topics":["c"],"feedback_tags":["d"],
                "report_reasons":[{"key":"spam","severity":"meh"}]})");
        QTest::newRow("reason repeated") << QByteArray(
            R"({"values":["a"],"interests":["b"],"topics":["c"],"feedback_tags":["d"],
                "report_reasons":[{"key":"spam","severity":"low"},{"key":"spam","severity":"high"}]})");
    }

    void brokenCatalogs()
    {
        QFETCH(QByteArray, json);
        const Result<Catalog> c = Catalog::fromJson(json);
        QVERIFY(!c.ok());
        QVERIFY(c.error().message.startsWith(QStringLiteral("catalog: ")));
    }
};

QTEST_APPLESS_MAIN(TestProfileValidation)
#include "tst_profile_validation.moc"
