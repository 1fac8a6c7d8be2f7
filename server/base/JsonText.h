#pragma once

// Compact JSON text written straight into bytes, for the few frames sent so often that building
// a QJsonObject and serialising it costs more than the work the frame reports: a chat message's
// two frames cost its writer about as much through QJsonDocument as storing the message did.
// What it writes parses to the same value QJsonDocument::toJson(Compact) gives (tests compare
// them); only the order of keys may differ.

#include <QByteArray>
#include <QStringView>

namespace fp::JsonText {

/// Appends `text` as a JSON string (quotes included) in UTF-8: `"` and `\` escaped, control
/// characters as \n, \t... or \u00XX, everything else as it is.
void appendString(QByteArray &out, QStringView text);

/// One JSON object, its members in the order they are added. Keys are ASCII literals.
class Object
{
public:
    Object()
    {
        m_text.reserve(256);
        m_text.append('{');
    }
    Object &string(const char *key, QStringView value);
    /// `value`, or null when it is empty.
    Object &nullableString(const char *key, QStringView value);
    Object &integer(const char *key, qint64 value);
    /// As QJsonDocument writes a double: the shortest text that reads back the same.
    Object &number(const char *key, double value);
    Object &boolean(const char *key, bool value);
    /// Already JSON text (a nested object).
    Object &raw(const char *key, const QByteArray &json);
    bool isEmpty() const { return m_empty; }
    /// The text, closed; the object is empty afterwards.
    QByteArray finish();

private:
    void key(const char *key);
    QByteArray m_text;
    bool m_empty = true;
};

} // namespace fp::JsonText
