#pragma once

// How an admin type describes its fields once, each member beside its wire name, and the one
// toJson/fromJson that every admin type gets from that description (see AdminTypes.h).

#include "common/Result.h"
#include "common/Time.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QLatin1String>
#include <QList>
#include <QString>
#include <climits>
#include <concepts>
#include <tuple>
#include <type_traits>
#include <utility>

namespace fp::admin {

/// What a string or a time field renders while it is empty (an empty QString, an invalid
/// QDateTime).
enum class WhenEmpty {
    Render, // as it is: "" for a string; null for a time, which has no text while invalid
    Null,
    Omit, // leave the member out
};

/// Strings and times have an empty value that can stand for "absent" on the wire, and so has a
/// type that says when it is absent (a report's reporter, which an item of the rules lacks).
template<typename Member>
concept CanBeEmpty = std::same_as<Member, QString> || std::same_as<Member, QDateTime> ||
    requires(const Member &m)
{
    {
        m.absent()
        } -> std::same_as<bool>;
};

/// A member and its wire name; made by field().
template<typename Owner, typename Member> struct Field
{
    QLatin1String name;
    Member Owner::*member;
    WhenEmpty whenEmpty;
};

/// A value computed from the other members: rendered, never read back; made by derived().
template<typename Owner, typename Value> struct Derived
{
    QLatin1String name;
    Value (Owner::*get)() const;
};

// A member function is not a field but derived(): refused here, it would fail deep inside.
template<typename Owner, typename Member>
requires std::is_member_object_pointer_v<Member Owner::*>
constexpr Field<Owner, Member> field(const char *name, Member Owner::*member)
{
    return {QLatin1String(name), member, WhenEmpty::Render};
}

template<typename Owner, CanBeEmpty Member>
constexpr Field<Owner, Member> field(const char *name, Member Owner::*member, WhenEmpty whenEmpty)
{
    return {QLatin1String(name), member, whenEmpty};
}

template<typename Owner, typename Value>
constexpr Derived<Owner, Value> derived(const char *name, Value (Owner::*get)() const)
{
    return {QLatin1String(name), get};
}

/// A type whose `static constexpr auto fields()` returns a tuple of field() and derived().
template<typename T>
concept Described = requires
{
    T::fields();
};

namespace fieldwise {

template<Described T> QJsonObject toJson(const T &value);
template<Described T> T fromJson(const QJsonObject &json);

inline QJsonValue renderValue(const QString &value)
{
    return value;
}
inline QJsonValue renderValue(int value)
{
    return value;
}
inline QJsonValue renderValue(double value)
{
    return value;
}
inline QJsonValue renderValue(bool value)
{
    return value;
}
inline QJsonValue renderValue(const QDateTime &value)
{
    return value.isValid() ? QJsonValue(toWireTime(value)) : QJsonValue();
}
inline QJsonValue renderValue(const QJsonObject &value)
{
    return value;
}
template<Described T> QJsonValue renderValue(const T &value)
{
    return toJson(value);
}
template<typename T> QJsonValue renderValue(const QList<T> &items)
{
    QJsonArray array;
    for (const T &item : items)
        array.append(renderValue(item));
    return array;
}

// A JSON value of another type, null and missing included, leaves the member at its default:
// that is what makes "trust_score" absent read as 50 and "window_minutes" as 60.

inline void readValue(const QJsonValue &json, QString &value)
{
    if (json.isString())
        value = json.toString();
}
inline void readValue(const QJsonValue &json, int &value)
{
    value = json.toInt(value);
}
inline void readValue(const QJsonValue &json, double &value)
{
    value = json.toDouble(value);
}
inline void readValue(const QJsonValue &json, bool &value)
{
    value = json.toBool(value);
}
inline void readValue(const QJsonValue &json, QDateTime &value)
{
    if (json.isString())
        value = fromWireTime(json.toString());
}
inline void readValue(const QJsonValue &json, QJsonObject &value)
{
    if (json.isObject())
        value = json.toObject();
}
template<Described T> void readValue(const QJsonValue &json, T &value)
{
    if (json.isObject())
        value = fromJson<T>(json.toObject());
}
template<typename T> void readValue(const QJsonValue &json, QList<T> &items)
{
    if (!json.isArray())
        return;
    items.clear();
    for (const QJsonValue &element : json.toArray()) {
        T item {};
        readValue(element, item);
        items.append(std::move(item));
    }
}

inline bool isEmpty(const QString &value)
{
    return value.isEmpty();
}
inline bool isEmpty(const QDateTime &value)
{
    return !value.isValid();
}
template<typename T>
requires requires(const T &v)
{
    v.absent();
}
bool isEmpty(const T &value)
{
    return value.absent();
}

template<typename Owner, typename Member>
void writeField(const Field<Owner, Member> &field, const Owner &owner, QJsonObject &json)
{
    const Member &value = owner.*field.member;
    if constexpr (CanBeEmpty<Member>) {
        if (field.whenEmpty != WhenEmpty::Render && isEmpty(value)) {
            if (field.whenEmpty == WhenEmpty::Null)
                json.insert(field.name, QJsonValue());
            return;
        }
    }
    json.insert(field.name, renderValue(value));
}

template<typename Owner, typename Value>
void writeField(const Derived<Owner, Value> &field, const Owner &owner, QJsonObject &json)
{
    json.insert(field.name, renderValue((owner.*field.get)()));
}

template<typename Owner, typename Member>
void readField(const Field<Owner, Member> &field, const QJsonObject &json, Owner &owner)
{
    readValue(json.value(field.name), owner.*field.member);
}

template<typename Owner, typename Value>
void readField(const Derived<Owner, Value> &, const QJsonObject &, Owner &)
{ }

template<Described T> QJsonObject toJson(const T &value)
{
    QJsonObject json;
    std::apply([&](const auto &...fields) { (writeField(fields, value, json), ...); }, T::fields());
    return json;
}

template<Described T> T fromJson(const QJsonObject &json)
{
    T value {};
    std::apply([&](const auto &...fields) { (readField(fields, json, value), ...); }, T::fields());
    return value;
}

// The shape a request member must have: its JSON type, before its value is judged. Request
// members are never nullable: null is the wrong type for every one of them.

inline QString shapeProblem(const QJsonValue &json, const QString &)
{
    return json.isString() ? QString() : QStringLiteral("must be a string");
}
inline QString shapeProblem(const QJsonValue &json, int)
{
    const double number = json.toDouble();
    return json.isDouble() && number == double(qint64(number)) && number >= INT_MIN &&
            number <= INT_MAX
        ? QString()
        : QStringLiteral("must be an integer");
}
inline QString shapeProblem(const QJsonValue &json, double)
{
    return json.isDouble() ? QString() : QStringLiteral("must be a number");
}
inline QString shapeProblem(const QJsonValue &json, bool)
{
    return json.isBool() ? QString() : QStringLiteral("must be true or false");
}
inline QString shapeProblem(const QJsonValue &json, const QDateTime &)
{
    return json.isString() && fromWireTime(json.toString()).isValid()
        ? QString()
        : QStringLiteral("must be a date-time with its offset (2026-01-31T18:00:00Z)");
}

template<typename Owner, typename Member>
void checkShape(const Field<Owner, Member> &field, const QJsonObject &json, QJsonObject &problems)
{
    const QJsonValue value = json.value(field.name);
    if (value.isUndefined())
        return;
    if (const QString problem = shapeProblem(value, Member {}); !problem.isEmpty())
        problems.insert(field.name, problem);
}

template<typename Owner, typename Value>
void checkShape(const Derived<Owner, Value> &field, const QJsonObject &json, QJsonObject &problems)
{
    if (json.contains(field.name)) // computed by the server, never sent to it
        problems.insert(field.name, QStringLiteral("unknown field"));
}

template<typename Owner, typename Member> QLatin1String nameOf(const Field<Owner, Member> &field)
{
    return field.name;
}
template<typename Owner, typename Value> QLatin1String nameOf(const Derived<Owner, Value> &)
{
    return {};
}

} // namespace fieldwise

/// What is wrong with the shape of a request body for T, by member: members T does not have,
/// and members whose JSON type is not their member's. T's own problems() then judges the
/// values; a request type's fields are all plain values (strings, integers, times).
template<Described T> QJsonObject shapeProblems(const QJsonObject &json)
{
    QJsonObject problems;
    std::apply([&](const auto &...fields) { (fieldwise::checkShape(fields, json, problems), ...); },
               T::fields());
    for (auto member = json.begin(); member != json.end(); ++member) {
        const bool known = std::apply(
            [&](const auto &...fields) {
                return ((fieldwise::nameOf(fields) == member.key()) || ...);
            },
            T::fields());
        if (!known && !problems.contains(member.key()))
            problems.insert(member.key(), QStringLiteral("unknown field"));
    }
    return problems;
}

/// A request body read strictly: shape first, then T's problems(), every bad member named in
/// one answer (400 validation_failed), as every other request body of the API.
template<Described T> Result<T> readRequest(const QJsonObject &json)
{
    QJsonObject problems = shapeProblems<T>(json);
    const T request = T::fromJson(json);
    const QJsonObject more = request.problems();
    for (auto it = more.begin(); it != more.end(); ++it) {
        if (!problems.contains(it.key()))
            problems.insert(it.key(), it.value());
    }
    if (!problems.isEmpty())
        return AppError::validation(problems);
    return request;
}

} // namespace fp::admin
