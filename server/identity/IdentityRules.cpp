#include "server/identity/IdentityRules.h"

#include "server/base/Validation.h"
#include "server/identity/Jwt.h"

#include <QFile>
#include <QRegularExpression>
#include <sodium.h>

namespace fp {

namespace {

CommonPasswords g_commonPasswords; // set once at start (useCommonPasswords), then only read

// The password without what people most often append to a common word to pass a rule:
// digits, punctuation, symbols, spaces.
QString withoutTrailingDigitsAndSymbols(const QString &password)
{
    qsizetype end = password.size();
    while (end > 0 && !password.at(end - 1).isLetter())
        --end;
    return password.left(end);
}

AppError listError(const QString &what)
{
    AppError error = AppError::internal();
    error.message = what;
    return error;
}

} // namespace

Result<CommonPasswords> CommonPasswords::fromFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return listError(QStringLiteral("cannot read the common-password list %1: %2")
                             .arg(path, file.errorString()));
    QSet<QString> entries;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (!line.isEmpty() && !line.startsWith(QLatin1Char('#')))
            entries.insert(line.toLower());
    }
    if (entries.isEmpty())
        return listError(QStringLiteral("the common-password list %1 has no entries").arg(path));
    return CommonPasswords(std::move(entries));
}

bool CommonPasswords::contains(const QString &password) const
{
    const QString lower = password.toLower();
    if (m_entries.contains(lower))
        return true;
    const QString stripped = withoutTrailingDigitsAndSymbols(lower);
    return !stripped.isEmpty() && stripped.size() < lower.size() && m_entries.contains(stripped);
}

namespace IdentityRules {

QString normaliseEmail(const QString &email)
{
    return email.trimmed().toLower();
}

QString emailProblem(const QString &email)
{
    static const QRegularExpression shape(
        QStringLiteral("^[^@\\s]{1,64}@[^@\\s.]+(\\.[^@\\s.]+)+$"));
    if (email.isEmpty())
        return QStringLiteral("is required");
    if (email.size() > kEmailMax)
        return QStringLiteral("must be at most %1 characters").arg(kEmailMax);
    for (const QChar c : email) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return QStringLiteral("must be an email address");
    }
    if (!shape.match(email).hasMatch())
        return QStringLiteral("must be an email address");
    return {};
}

bool isCommonPassword(const QString &password)
{
    return g_commonPasswords.contains(password);
}

void useCommonPasswords(CommonPasswords list)
{
    g_commonPasswords = std::move(list);
}

QString passwordProblem(const QString &password)
{
    if (!password.isValidUtf16())
        return QStringLiteral("must be valid Unicode text");
    const qsizetype length = validation::codePoints(password);
    if (length < kPasswordMin)
        return QStringLiteral("must be at least %1 characters").arg(kPasswordMin);
    if (length > kPasswordMax)
        return QStringLiteral("must be at most %1 characters").arg(kPasswordMax);
    if (isCommonPassword(password))
        return QStringLiteral("is too common and easily guessed, choose another one");
    return {};
}

QString newRefreshToken()
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    const QString token = QStringLiteral("rt_") +
        QString::fromLatin1(Jwt::base64Url(QByteArray(reinterpret_cast<const char *>(bytes), 32)));
    sodium_memzero(bytes, sizeof bytes);
    return token;
}

QString hashRefreshToken(const QString &token)
{
    const QByteArray utf8 = token.toUtf8();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(utf8.constData()),
                       quint64(utf8.size()));
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(digest), sizeof digest).toHex());
}

QByteArray refreshRotationKey(const QByteArray &signingSecret)
{
    const QByteArray input = QByteArrayLiteral("refresh-token-rotation:") + signingSecret;
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
    crypto_hash_sha256(key, reinterpret_cast<const unsigned char *>(input.constData()),
                       quint64(input.size()));
    const QByteArray out(reinterpret_cast<const char *>(key), sizeof key);
    sodium_memzero(key, sizeof key);
    return out;
}

QString nextRefreshToken(const QByteArray &rotationKey, const QString &token)
{
    const QByteArray utf8 = token.toUtf8();
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state,
                                reinterpret_cast<const unsigned char *>(rotationKey.constData()),
                                size_t(rotationKey.size()));
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(utf8.constData()),
                                  quint64(utf8.size()));
    crypto_auth_hmacsha256_final(&state, mac);
    const QString next = QStringLiteral("rt_") +
        QString::fromLatin1(Jwt::base64Url(
            QByteArray(reinterpret_cast<const char *>(mac), sizeof mac)));
    sodium_memzero(mac, sizeof mac);
    return next;
}

} // namespace IdentityRules

} // namespace fp
