#include "tests/support/TcpProxy.h"

#include <QHostAddress>
#include <QList>
#include <QMetaObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

namespace fp::test {

class TcpProxy::Forwarder : public QObject
{
public:
    explicit Forwarder(quint16 targetPort) : m_targetPort(targetPort)
    {
        connect(&m_server, &QTcpServer::newConnection, this, &Forwarder::accept);
    }

    ~Forwarder() override
    {
        for (Link *link : std::as_const(m_links)) {
            for (QTcpSocket *socket : {link->client.data(), link->upstream.data()}) {
                if (socket)
                    socket->disconnect(this); // they may still emit while being destroyed
            }
            delete link; // its sockets are children of the server or of this
        }
    }

    quint16 listen()
    {
        return m_server.listen(QHostAddress::LocalHost, 0) ? m_server.serverPort() : 0;
    }

    int silence(const QByteArray &marker)
    {
        int silenced = 0;
        for (Link *link : std::as_const(m_links)) {
            if (link->silenced || !link->sent.contains(marker))
                continue;
            link->silenced = true;
            link->upstream->abort(); // the target sees the connection go; the client does not
            ++silenced;
        }
        return silenced;
    }

private:
    struct Link
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> upstream;
        QByteArray sent; // the client's first bytes, to find a marker in
        bool silenced = false;
    };
    static constexpr qsizetype kKeptBytes = 64 * 1024;

    void accept()
    {
        while (QTcpSocket *client = m_server.nextPendingConnection()) {
            auto *link = new Link;
            link->client = client;
            link->upstream = new QTcpSocket(this);
            m_links.append(link);
            // Written before the target answered the connection, bytes wait in the socket's
            // buffer until it did.
            link->upstream->connectToHost(QHostAddress::LocalHost, m_targetPort);
            connect(client, &QTcpSocket::readyRead, this, [link] {
                const QByteArray bytes = link->client->readAll();
                if (link->silenced)
                    return;
                if (link->sent.size() < kKeptBytes)
                    link->sent += bytes.left(kKeptBytes - link->sent.size());
                link->upstream->write(bytes);
            });
            connect(link->upstream, &QTcpSocket::readyRead, this, [link] {
                const QByteArray bytes = link->upstream->readAll();
                if (!link->silenced)
                    link->client->write(bytes);
            });
            connect(client, &QTcpSocket::disconnected, this, [this, link] { close(link); });
            // Gone, or never reached (the target is down): the client hears of it, unless its
            // connection was silenced.
            const auto upstreamEnded = [this, link] {
                if (!link->silenced)
                    close(link);
            };
            connect(link->upstream, &QTcpSocket::disconnected, this, upstreamEnded);
            connect(link->upstream, &QTcpSocket::errorOccurred, this, upstreamEnded);
        }
    }

    // Its sockets no longer call back (they may still emit while closing) and go.
    void close(Link *link)
    {
        if (!m_links.removeOne(link))
            return;
        for (QTcpSocket *socket : {link->client.data(), link->upstream.data()}) {
            if (socket) {
                socket->disconnect(this);
                socket->close();
                socket->deleteLater();
            }
        }
        delete link;
    }

    quint16 m_targetPort;
    QTcpServer m_server {this};
    QList<Link *> m_links;
};

TcpProxy::TcpProxy() = default;

TcpProxy::~TcpProxy()
{
    if (!m_forwarder)
        return;
    QObject::connect(&m_thread, &QThread::finished, m_forwarder, &QObject::deleteLater);
    m_thread.quit();
    m_thread.wait();
}

bool TcpProxy::start(quint16 targetPort)
{
    m_forwarder = new Forwarder(targetPort);
    m_forwarder->moveToThread(&m_thread);
    m_thread.start();
    QMetaObject::invokeMethod(
        m_forwarder, [this] { m_port = m_forwarder->listen(); }, Qt::BlockingQueuedConnection);
    return m_port != 0;
}

int TcpProxy::silenceConnectionsThatSent(const QByteArray &marker)
{
    int silenced = 0;
    QMetaObject::invokeMethod(
        m_forwarder, [&] { silenced = m_forwarder->silence(marker); },
        Qt::BlockingQueuedConnection);
    return silenced;
}

} // namespace fp::test
