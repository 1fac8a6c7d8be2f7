#pragma once

// A TCP forwarder to a port on 127.0.0.1, on a port of its own and a thread of its own (so a
// test blocked in a wait does not stall what goes through it): for connections that die without
// saying so. silenceConnectionsThatSent() drops, on the target's side only, every connection
// whose client sent some bytes (a Redis SUBSCRIBE, say); the client's side stays open and what
// it sends is swallowed, as after a partition or a NAT that forgot the connection. Connections
// made later are forwarded as before.

#include <QByteArray>
#include <QThread>
#include <QtGlobal>

namespace fp::test {

class TcpProxy
{
public:
    TcpProxy();
    ~TcpProxy();
    TcpProxy(const TcpProxy &) = delete;
    TcpProxy &operator=(const TcpProxy &) = delete;

    /// Listens on 127.0.0.1 and forwards every connection to 127.0.0.1:targetPort.
    bool start(quint16 targetPort);
    quint16 port() const { return m_port; }
    /// Drops the target's side of every open connection whose client has sent `marker`, and
    /// answers how many.
    int silenceConnectionsThatSent(const QByteArray &marker);

private:
    class Forwarder;
    QThread m_thread;
    Forwarder *m_forwarder = nullptr; // lives on m_thread
    quint16 m_port = 0;
};

} // namespace fp::test
