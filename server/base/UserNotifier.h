#pragma once

// How a domain's service reaches a person's open sockets without knowing how they are held:
// realtime/EventBus implements it (this instance's sockets at once, the other instances'
// through Redis). Services hand it frames once their transaction has committed
// (Transaction::afterCommit), so nobody hears of a change that was rolled back.

#include <QJsonObject>
#include <QString>

namespace fp {

class UserNotifier
{
public:
    virtual ~UserNotifier() = default;
    /// Thread-safe: callable from any worker.
    virtual void publishToUser(const QString &userId, const QJsonObject &frame) = 0;
};

} // namespace fp
