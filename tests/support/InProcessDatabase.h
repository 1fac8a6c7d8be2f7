#pragma once

// For tests that also run a domain's code in their own process (a rule other domains call, the
// replay of the trust ledger, statements sent as the repositories send them): that code's
// database access then goes to a test database, as root, over the private MariaDB's socket.

#include "server/storage/Database.h"
#include "tests/support/TestServer.h"

namespace fp::test {

/// fp::Database in this process uses the database `name` (a TestServer's databaseName()).
inline void useDatabaseInProcess(const QString &name)
{
    fp::DbSettings settings;
    settings.socket = TestEnvironment::fromProcess().dbSocket;
    settings.name = name;
    settings.user = QStringLiteral("root");
    fp::Database::configure(settings);
}

/// How many index and table entries this thread's connection has stepped through so far
/// (MariaDB's Handler_read_first/next/prev/rnd_next for the session): the difference around a
/// statement tells a lookup from a scan, whatever the machine's speed.
inline qint64 entriesReadInProcess()
{
    fp::SqlResult r = fp::Sql::exec(
        QStringLiteral("SHOW SESSION STATUS WHERE Variable_name IN ('Handler_read_first', "
                       "'Handler_read_next', 'Handler_read_prev', 'Handler_read_rnd_next')"));
    qint64 total = 0;
    while (r.next())
        total += r.value(1).toLongLong();
    return total;
}

} // namespace fp::test
