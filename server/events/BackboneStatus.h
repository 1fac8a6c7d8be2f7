#pragma once

// How the event backbone is doing, read from MariaDB and Redis: what /metrics exports and
// GET /api/admin/events/status answers (docs/events.md, "Watching the pipeline").

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace fp {

struct BackboneStatus
{
    struct Group
    {
        QString name;
        qint64 pending = 0; // read, not yet applied
        qint64 lag = 0; // not read yet
    };
    struct JobState
    {
        QString name;
        QDateTime lastSuccessAt; // invalid: never
        QString lastError; // empty: the last run succeeded
        qint64 runs = 0;
    };

    bool databaseReachable = false;
    qint64 outboxBacklog = 0;
    double relayLagSeconds = 0; // age of the oldest unrelayed row
    QList<JobState> jobs;

    bool streamReachable = false;
    qint64 streamLength = 0;
    qint64 deadLetters = 0;
    QList<Group> groups;

    /// Reads it all: a few statements and commands, on the calling thread.
    static BackboneStatus read(const QByteArray &keyPrefix);
    QJsonObject toJson() const;
};

} // namespace fp
