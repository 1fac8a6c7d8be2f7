#include "server/privacy/PrivacyRepository.h"

#include "server/storage/Database.h"

namespace fp {

Status PrivacyRepository::insertTombstone(const QString &userId, const QDateTime &now,
                                          const QString &reason) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("INSERT INTO user_tombstones (user_id, deleted_at, reason) "
                                 "VALUES (?, ?, ?)"),
                  {userId, Sql::time(now), reason});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

} // namespace fp
