#include "server/privacy/PrivacyRepository.h"

#include "server/storage/Database.h"

namespace fp {

Status PrivacyRepository::insertTombstone(const QString &userId, const QDateTime &now,
                                          const QString &reason) const
{
    return Sql::status(
        Sql::exec(QStringLiteral("INSERT INTO user_tombstones (user_id, deleted_at, reason) "
                                 "VALUES (?, ?, ?)"),
                  {userId, Sql::time(now), reason}));
}

} // namespace fp
