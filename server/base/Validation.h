#pragma once

// One way to read what clients send: field problems collected by path (every bad field named in
// one answer, API_SPEC "Errors"), the API's three text policies, ids, and typed readers for the
// members of a JSON body. Every domain's <Domain>Validation uses these; nothing here knows a
// route or a table.

#include "common/Result.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <initializer_list>
#include <optional>

namespace fp {

/// What text a field accepts (resources/openapi.yaml, "Text"). Every policy refuses text that
/// is not valid Unicode (a lone surrogate, or U+FFFD standing for bytes that were not UTF-8).
enum class TextPolicy {
    /// Names and labels (nickname, city, device label, intent): no control characters and no
    /// invisible formatting characters (bidirectional overrides, zero-width spaces), which can
    /// disguise what a name says; the joiner and tag characters of emoji are allowed.
    SingleLine,
    /// Longer prose (bio, notes, answers, report details): SingleLine plus line breaks and tabs.
    MultiLine,
    /// Chat messages: line breaks and tabs, and every formatting character (right-to-left
    /// scripts and emoji need them; moderation reads the normalised text); no other control
    /// characters.
    FreeText,
};

namespace validation {

/// Unicode code points, as people count characters (and as MariaDB's utf8mb4 VARCHAR does).
qsizetype codePoints(const QString &text);
/// At most `max` code points, never splitting a surrogate pair.
QString truncateCodePoints(const QString &text, qsizetype max);
/// Empty when `text` obeys `policy`, else what is wrong, for details.fields.
QString textProblem(const QString &text, TextPolicy policy);
/// `text` with what `policy` refuses removed (for text a client did not type, such as a
/// User-Agent header, which is kept rather than refused).
QString withoutRefused(const QString &text, TextPolicy policy);
/// A lowercase canonical UUID, the form of every id of this API.
bool isUuid(const QString &text);

} // namespace validation

/// Problems with a request, by field path ("preferences.humor_score", "events[3].name",
/// "query.limit"); the first problem found for a path is the one reported.
class Problems
{
public:
    void add(const QString &path, const QString &what);
    bool has(const QString &path) const { return m_fields.contains(path); }
    bool empty() const { return m_fields.isEmpty(); }
    /// 400 validation_failed naming every problem.
    AppError error() const { return AppError::validation(m_fields); }

private:
    QJsonObject m_fields;
};

/// Whether a member must be present.
enum class Presence { Required, Optional };

/// How a text member is read.
struct TextRule
{
    Presence presence = Presence::Required;
    TextPolicy policy = TextPolicy::SingleLine;
    qsizetype minLength = 1; // code points, after trimming
    qsizetype maxLength = 255;
    bool trim = true;
    bool nullable = false; // null is accepted as "no value" (read as an empty string)
};

/// The members of one JSON object, read with their problems collected under `prefix`:
///   Problems p;
///   ObjectReader body(ctx.json, {"reason_code", "details_text"}, p);
///   auto reason = body.text("reason_code", {.maxLength = 64});
///   if (!p.empty()) return p.error();
/// A value that is not an object is one problem ("body", or the prefix); members not in
/// `known` are problems too (request bodies are strict).
class ObjectReader
{
public:
    ObjectReader(const QJsonValue &value, std::initializer_list<const char *> known,
                 Problems &problems, const QString &prefix = {});
    ObjectReader(const QJsonValue &value, const QStringList &known, Problems &problems,
                 const QString &prefix = {});

    bool isObject() const { return m_isObject; }
    bool has(const char *name) const;
    QJsonValue value(const char *name) const;
    /// The path of a member for details.fields: "name", or "prefix.name".
    QString path(const char *name) const;
    /// A problem at a member's path.
    void problem(const char *name, const QString &what) { m_problems.add(path(name), what); }

    /// nullopt when absent (and not required), null (and nullable), or invalid (a problem).
    std::optional<QString> text(const char *name, const TextRule &rule);
    /// An integer in [min, max]: a JSON number without a fractional part.
    std::optional<int> integer(const char *name, int min, int max,
                               Presence presence = Presence::Required);
    std::optional<bool> boolean(const char *name, Presence presence = Presence::Required);
    /// A lowercase canonical UUID.
    std::optional<QString> id(const char *name, Presence presence = Presence::Required);
    /// One of `allowed` (a string).
    std::optional<QString> oneOf(const char *name, const QStringList &allowed,
                                 Presence presence = Presence::Required);

private:
    /// The member, or nullopt (with a problem when required) when absent.
    std::optional<QJsonValue> present(const char *name, Presence presence);

    QJsonObject m_object;
    bool m_isObject = false;
    Problems &m_problems;
    QString m_prefix;
};

/// An integer in [lo, hi] from a JSON value: a number without a fractional part (50 and 50.0).
std::optional<int> integerIn(const QJsonValue &value, int lo, int hi);

} // namespace fp
