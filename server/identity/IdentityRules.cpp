#include "server/identity/IdentityRules.h"

#include "server/base/Log.h"
#include "server/base/Validation.h"
#include "server/identity/Jwt.h"

#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <sodium.h>

namespace fp {

namespace {

QSet<QString> loadCommonPasswords()
{
    QSet<QString> list;
    QFile file(QStringLiteral(":/resources/common-passwords.txt"));
    if (!file.open(QIODevice::ReadOnly)) {
        log::error(QStringLiteral("common_passwords_missing"));
        return list;
    }
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (!line.isEmpty() && !line.startsWith(QLatin1Char('#')))
            list.insert(line.toLower());
    }
    return list;
}

} // namespace

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
    static const QSet<QString> list = loadCommonPasswords();
    return list.contains(password.toLower());
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

} // namespace IdentityRules

} // namespace fp
