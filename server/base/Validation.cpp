#include "server/base/Validation.h"

#include <QUuid>
#include <cmath>

namespace fp {

namespace validation {

qsizetype codePoints(const QString &text)
{
    qsizetype n = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (!(text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()))
            ++n;
    }
    return n;
}

QString truncateCodePoints(const QString &text, qsizetype max)
{
    qsizetype units = 0;
    for (qsizetype n = 0; n < max && units < text.size(); ++n)
        units += text[units].isHighSurrogate() && units + 1 < text.size() ? 2 : 1;
    return text.left(units);
}

namespace {

bool isLineBreakOrTab(char32_t c)
{
    return c == U'\n' || c == U'\r' || c == U'\t';
}

/// Formatting characters a name may hold: the zero-width joiner (emoji sequences such as a
/// family) and the tag characters of subdivision flags.
bool isEmojiFormatting(char32_t c)
{
    return c == 0x200D || (c >= 0xE0020 && c <= 0xE007F);
}

enum class Verdict { Allowed, Refused, NotUnicode };

Verdict judge(char32_t c, TextPolicy policy)
{
    if (c == QChar::ReplacementCharacter)
        return Verdict::NotUnicode;
    const QChar::Category category = QChar::category(c);
    if (category == QChar::Other_Control)
        return policy != TextPolicy::SingleLine && isLineBreakOrTab(c) ? Verdict::Allowed
                                                                       : Verdict::Refused;
    if (category == QChar::Other_Format)
        return policy == TextPolicy::FreeText || isEmojiFormatting(c) ? Verdict::Allowed
                                                                      : Verdict::Refused;
    return Verdict::Allowed;
}

/// Calls `visit(codePoint, position, utf16Units)` for each code point of `text`; a lone
/// surrogate is visited as U+FFFD.
template<typename Visit> void forEachCodePoint(const QString &text, Visit visit)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            visit(QChar::surrogateToUcs4(c, text.at(i + 1)), i, 2);
            ++i;
        } else if (c.isSurrogate()) {
            visit(char32_t(QChar::ReplacementCharacter), i, 1);
        } else {
            visit(char32_t(c.unicode()), i, 1);
        }
    }
}

} // namespace

QString textProblem(const QString &text, TextPolicy policy)
{
    bool refused = false;
    bool notUnicode = false;
    forEachCodePoint(text, [&](char32_t c, qsizetype, qsizetype) {
        const Verdict v = judge(c, policy);
        notUnicode = notUnicode || v == Verdict::NotUnicode;
        refused = refused || v == Verdict::Refused;
    });
    if (notUnicode)
        return QStringLiteral("must be valid UTF-8 text");
    if (!refused)
        return {};
    switch (policy) {
    case TextPolicy::SingleLine:
        return QStringLiteral("must be one line without control or invisible formatting "
                              "characters");
    case TextPolicy::MultiLine:
        return QStringLiteral("must not contain control or invisible formatting characters "
                              "(line breaks and tabs are fine)");
    case TextPolicy::FreeText:
        break;
    }
    return QStringLiteral("must not contain control characters (line breaks and tabs are fine)");
}

QString withoutRefused(const QString &text, TextPolicy policy)
{
    QString kept;
    kept.reserve(text.size());
    forEachCodePoint(text, [&](char32_t c, qsizetype at, qsizetype units) {
        if (judge(c, policy) == Verdict::Allowed)
            kept.append(text.mid(at, units));
    });
    return kept;
}

bool isUuid(const QString &text)
{
    return text.size() == 36 && !QUuid::fromString(text).isNull() && text == text.toLower();
}

} // namespace validation

void Problems::add(const QString &path, const QString &what)
{
    if (!m_fields.contains(path))
        m_fields.insert(path, what);
}

std::optional<int> integerIn(const QJsonValue &value, int lo, int hi)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < lo || d > hi)
        return std::nullopt;
    return int(d);
}

ObjectReader::ObjectReader(const QJsonValue &value, std::initializer_list<const char *> known,
                           Problems &problems, const QString &prefix)
    : ObjectReader(
          value,
          [&known] {
              QStringList names;
              for (const char *name : known)
                  names << QLatin1String(name);
              return names;
          }(),
          problems, prefix)
{ }

ObjectReader::ObjectReader(const QJsonValue &value, const QStringList &known, Problems &problems,
                           const QString &prefix)
    : m_object(value.toObject()), m_isObject(value.isObject()), m_problems(problems),
      m_prefix(prefix)
{
    if (!m_isObject) {
        m_problems.add(prefix.isEmpty() ? QStringLiteral("body") : prefix,
                       QStringLiteral("must be a JSON object"));
        return;
    }
    for (auto it = m_object.begin(); it != m_object.end(); ++it) {
        if (!known.contains(it.key()))
            m_problems.add(prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key(),
                           QStringLiteral("is not a known field"));
    }
}

bool ObjectReader::has(const char *name) const
{
    return m_object.contains(QLatin1String(name));
}

QJsonValue ObjectReader::value(const char *name) const
{
    return m_object.value(QLatin1String(name));
}

QString ObjectReader::path(const char *name) const
{
    return m_prefix.isEmpty() ? QString::fromLatin1(name)
                              : m_prefix + QLatin1Char('.') + QLatin1String(name);
}

std::optional<QJsonValue> ObjectReader::present(const char *name, Presence presence)
{
    if (!m_isObject)
        return std::nullopt;
    const QJsonValue v = value(name);
    if (v.isUndefined()) {
        if (presence == Presence::Required)
            problem(name, QStringLiteral("is required"));
        return std::nullopt;
    }
    return v;
}

std::optional<QString> ObjectReader::text(const char *name, const TextRule &rule)
{
    const std::optional<QJsonValue> v = present(name, rule.presence);
    if (!v)
        return std::nullopt;
    if (v->isNull()) {
        if (rule.nullable)
            return std::nullopt;
        problem(name,
                rule.presence == Presence::Required ? QStringLiteral("is required")
                                                    : QStringLiteral("must be a string"));
        return std::nullopt;
    }
    if (!v->isString()) {
        problem(name,
                rule.nullable ? QStringLiteral("must be a string or null")
                              : QStringLiteral("must be a string"));
        return std::nullopt;
    }
    const QString text = rule.trim ? v->toString().trimmed() : v->toString();
    if (const QString bad = validation::textProblem(text, rule.policy); !bad.isEmpty()) {
        problem(name, bad);
        return std::nullopt;
    }
    const qsizetype length = validation::codePoints(text);
    if (length < rule.minLength || length > rule.maxLength) {
        problem(name,
                length == 0 ? QStringLiteral("must not be empty")
                    : rule.minLength <= 1
                    ? QStringLiteral("must be at most %1 characters").arg(rule.maxLength)
                    : QStringLiteral("must be %1 to %2 characters")
                          .arg(rule.minLength)
                          .arg(rule.maxLength));
        return std::nullopt;
    }
    return text;
}

std::optional<int> ObjectReader::integer(const char *name, int min, int max, Presence presence)
{
    const std::optional<QJsonValue> v = present(name, presence);
    if (!v)
        return std::nullopt;
    const std::optional<int> n = integerIn(*v, min, max);
    if (!n)
        problem(name, QStringLiteral("must be an integer %1-%2").arg(min).arg(max));
    return n;
}

std::optional<bool> ObjectReader::boolean(const char *name, Presence presence)
{
    const std::optional<QJsonValue> v = present(name, presence);
    if (!v)
        return std::nullopt;
    if (!v->isBool()) {
        problem(name, QStringLiteral("must be true or false"));
        return std::nullopt;
    }
    return v->toBool();
}

std::optional<QString> ObjectReader::id(const char *name, Presence presence)
{
    const std::optional<QJsonValue> v = present(name, presence);
    if (!v)
        return std::nullopt;
    if (!v->isString() || !validation::isUuid(v->toString())) {
        problem(name, QStringLiteral("must be a lowercase UUID"));
        return std::nullopt;
    }
    return v->toString();
}

std::optional<QString> ObjectReader::oneOf(const char *name, const QStringList &allowed,
                                           Presence presence)
{
    const std::optional<QJsonValue> v = present(name, presence);
    if (!v)
        return std::nullopt;
    if (!v->isString() || !allowed.contains(v->toString())) {
        problem(name, QStringLiteral("must be one of %1").arg(allowed.join(QStringLiteral(", "))));
        return std::nullopt;
    }
    return v->toString();
}

} // namespace fp
