#pragma once

// How a domain's service reaches a person's open sockets without knowing how they are held:
// realtime/EventBus implements it (this instance's sockets at once, the other instances'
// through Redis). Services hand it frames once their transaction has committed
// (Transaction::afterCommit), so nobody hears of a change that was rolled back; frames that
// must not be lost go through publishDurable inside the transaction.

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

namespace fp {

class UserNotifier
{
public:
    virtual ~UserNotifier() = default;
    /// Thread-safe: callable from any worker. Best-effort: a socket on another instance misses
    /// it while Redis is away. For frames that are merely helpful (typing, queue status, chat
    /// messages, which `resume` recovers on its own).
    virtual void publishToUser(const QString &userId, const QJsonObject &frame) = 0;
    /// publishToUser() for a frame already written as compact JSON text (the chat relay's,
    /// base/JsonText.h): the same delivery without a QJsonObject.
    virtual void publishTextToUser(const QString &userId, QByteArray frameText)
    {
        publishToUser(userId, QJsonDocument::fromJson(frameText).object());
    }
    /// For a frame the person must not miss: call it inside the transaction of the change. The
    /// frame is kept with the change and sent after the commit with its `notice_seq`; a client
    /// that missed it gets it again with `notices.resume` (events/UserNotices.h).
    virtual void publishDurable(const QString &userId, const QJsonObject &frame) = 0;
    /// Thread-safe: a frame for every socket of any instance that follows `feed` (the staff
    /// alerts, realtime/Gateway::registerFeed). Best-effort like publishToUser: a feed keeps
    /// its frames itself for replay.
    virtual void publishToFeed(const QString &feed, const QJsonObject &frame)
    {
        Q_UNUSED(feed);
        Q_UNUSED(frame);
    }
};

} // namespace fp
