#pragma once

// How an admin type describes its fields once, each member beside its wire name, and the one
// toJson/fromJson that every admin type gets from that description (see AdminTypes.h).

#include "common/Time.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QLatin1String>
#include <QList>
#include <QString>
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

} // namespace fieldwise

} // namespace fp::admin
