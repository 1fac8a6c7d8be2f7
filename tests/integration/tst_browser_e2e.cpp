// Runs the real-browser test (tests/e2e/browser.test.mjs: Debian's Chromium driven by
// playwright-core) against a real server whose FP_CORS_ORIGINS lists the test page's origin.

#include "tests/support/IntegrationTest.h"

#include <QProcess>
#include <QTcpServer>
#include <QTest>

using namespace fp::test;

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

} // namespace

class TestBrowserEndToEnd : public IntegrationTest
{
    Q_OBJECT

public:
    TestBrowserEndToEnd() : IntegrationTest(OwnServers {}) { }

private Q_SLOTS:
    void twoBrowsersMeetAndChat()
    {
        const QString source = TestEnvironment::fromProcess().sourceDir;
        const quint16 pagePort = freePort();
        quint16 otherPort = freePort();
        while (otherPort == pagePort)
            otherPort = freePort();

        TestServer::Options options;
        options.extraEnvironment.insert(QStringLiteral("FP_CORS_ORIGINS"),
                                        QStringLiteral("http://127.0.0.1:%1").arg(pagePort));
        options.extraEnvironment.insert(QStringLiteral("FP_MATCH_TICK_MS"), QStringLiteral("200"));
        TestServer server(options);
        QVERIFY(server.start());

        QProcess node;
        node.setProcessChannelMode(QProcess::MergedChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FP_E2E_API_PORT"), QString::number(server.port()));
        env.insert(QStringLiteral("FP_E2E_PAGE_PORT"), QString::number(pagePort));
        env.insert(QStringLiteral("FP_E2E_OTHER_PORT"), QString::number(otherPort));
        env.remove(QStringLiteral("LD_PRELOAD"));
        node.setProcessEnvironment(env);
        node.setWorkingDirectory(source + QStringLiteral("/tests/e2e"));
        node.start(QStringLiteral("node"),
                   {QStringLiteral("--test"), QStringLiteral("browser.test.mjs")});
        QVERIFY(node.waitForStarted(10000));
        const bool finished = node.waitForFinished(240000);
        const QByteArray output = node.readAll();
        if (!finished)
            node.kill();
        QVERIFY2(finished, output.constData());
        QVERIFY2(node.exitCode() == 0,
                 (output + "\n--- server log ---\n" + server.output().right(4000)).constData());
    }
};

QTEST_GUILESS_MAIN(TestBrowserEndToEnd)
#include "tst_browser_e2e.moc"
