#pragma once

// What this thread has asked of MariaDB and Redis since it started. The difference around a
// request is that request's work: the request log line carries it (issue #16 sets budgets of
// statements and round trips per route, and a test reads them there).

#include <QtGlobal>

namespace fp {

struct WorkCount
{
    quint64 sqlStatements = 0; // each statement sent, BEGIN, COMMIT and ROLLBACK included
    quint64 redisRoundTrips = 0; // a command, or a pipeline of them, and its replies
    quint64 redisCommands = 0;

    WorkCount since(const WorkCount &earlier) const
    {
        return {sqlStatements - earlier.sqlStatements, redisRoundTrips - earlier.redisRoundTrips,
                redisCommands - earlier.redisCommands};
    }
};

/// This thread's counters (thread-local: no locking, each thread its own).
WorkCount &workOnThisThread();

} // namespace fp
