#include "server/base/JsonText.h"

#include <QLocale>

namespace fp::JsonText {

void appendString(QByteArray &out, QStringView text)
{
    static const char hex[] = "0123456789abcdef";
    const QByteArray utf8 = text.toUtf8();
    out.reserve(out.size() + utf8.size() + 2);
    out.append('"');
    const char *begin = utf8.constData();
    const char *end = begin + utf8.size();
    const char *run = begin; // the start of bytes still to copy as they are
    for (const char *p = begin; p != end; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue; // UTF-8 continuation and lead bytes are all >= 0x80
        out.append(run, p - run);
        run = p + 1;
        switch (c) {
        case '"':
            out.append("\\\"", 2);
            break;
        case '\\':
            out.append("\\\\", 2);
            break;
        case '\n':
            out.append("\\n", 2);
            break;
        case '\r':
            out.append("\\r", 2);
            break;
        case '\t':
            out.append("\\t", 2);
            break;
        case '\b':
            out.append("\\b", 2);
            break;
        case '\f':
            out.append("\\f", 2);
            break;
        default: {
            const char escaped[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            out.append(escaped, sizeof escaped);
        }
        }
    }
    out.append(run, end - run);
    out.append('"');
}

void Object::key(const char *key)
{
    if (!m_empty)
        m_text.append(',');
    m_empty = false;
    m_text.append('"');
    m_text.append(key);
    m_text.append("\":", 2);
}

Object &Object::string(const char *key, QStringView value)
{
    this->key(key);
    appendString(m_text, value);
    return *this;
}

Object &Object::nullableString(const char *key, QStringView value)
{
    if (!value.isEmpty())
        return string(key, value);
    this->key(key);
    m_text.append("null", 4);
    return *this;
}

Object &Object::integer(const char *key, qint64 value)
{
    this->key(key);
    m_text.append(QByteArray::number(value));
    return *this;
}

Object &Object::number(const char *key, double value)
{
    this->key(key);
    m_text.append(QByteArray::number(value, 'g', QLocale::FloatingPointShortest));
    return *this;
}

Object &Object::boolean(const char *key, bool value)
{
    this->key(key);
    m_text.append(value ? QByteArrayView("true") : QByteArrayView("false"));
    return *this;
}

Object &Object::raw(const char *key, const QByteArray &json)
{
    this->key(key);
    m_text.append(json);
    return *this;
}

QByteArray Object::finish()
{
    m_text.append('}');
    return std::move(m_text);
}

} // namespace fp::JsonText
