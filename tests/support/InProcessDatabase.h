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

} // namespace fp::test
