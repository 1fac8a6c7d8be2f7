#include "common/Time.h"

namespace fp {

namespace {

// QDateTime::toString with a format parses the format and asks the calendar for every call: it
// was most of what writing a chat message's timestamps cost. Years outside 0-9999, which no
// format below can hold in four digits, still go through it.
QString utcText(const QDateTime &time, char16_t betweenDateAndTime, bool zulu,
                const QString &fallbackFormat)
{
    if (!time.isValid())
        return {};
    const QDateTime utc = time.toUTC();
    const QDate date = utc.date();
    const QTime clock = utc.time();
    if (date.year() < 0 || date.year() > 9999)
        return utc.toString(fallbackFormat);
    QString text(zulu ? 24 : 23, Qt::Uninitialized);
    char16_t *out = reinterpret_cast<char16_t *>(text.data());
    const auto digits = [&out](int value, int width) {
        for (int i = width - 1; i >= 0; --i) {
            out[i] = char16_t(u'0' + value % 10);
            value /= 10;
        }
        out += width;
    };
    digits(date.year(), 4);
    *out++ = u'-';
    digits(date.month(), 2);
    *out++ = u'-';
    digits(date.day(), 2);
    *out++ = betweenDateAndTime;
    digits(clock.hour(), 2);
    *out++ = u':';
    digits(clock.minute(), 2);
    *out++ = u':';
    digits(clock.second(), 2);
    *out++ = u'.';
    digits(clock.msec(), 3);
    if (zulu)
        *out++ = u'Z';
    return text;
}

} // namespace

QString toWireTime(const QDateTime &time)
{
    return utcText(time, u'T', true, QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
}

QString toSqlTime(const QDateTime &time)
{
    return utcText(time, u' ', false, QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QDateTime fromWireTime(const QString &text)
{
    QDateTime parsed = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!parsed.isValid() || parsed.timeSpec() == Qt::LocalTime)
        return {}; // a timestamp without zone or offset is ambiguous: refuse it
    return parsed.toUTC();
}

} // namespace fp
