// The console's credential store against a real Secret Service: a refresh token saved, read back
// by a fresh store (as the next start would), removed. tests/console/keychain.sh runs this inside
// a private session bus with an unlocked gnome-keyring; anywhere else it fails, saying so.

#include "console/CredentialStore.h"

#include <QSignalSpy>
#include <QTest>

using fp::console::CredentialStore;

namespace {

constexpr int kWaitMs = 20000;

} // namespace

class TestConsoleKeychain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("FP_CONSOLE_KEYCHAIN"))
            QFAIL("FP_CONSOLE_KEYCHAIN not set: this test needs the Secret Service that "
                  "tests/console/keychain.sh provides. Run it through ./scripts/test, e.g. "
                  "./scripts/test -R tst_console_keychain");
    }

    void keychainRoundTrip()
    {
        CredentialStore store(QStringLiteral("friendship-console-test"));
        const QString server = QStringLiteral("http://keychain.test:1");
        QSignalSpy settled(&store, &CredentialStore::settled);
        store.save(server, QStringLiteral("token-1"));
        QTRY_COMPARE_WITH_TIMEOUT(settled.size(), 1, kWaitMs);
        QVERIFY2(!store.memoryOnly(), qPrintable(store.message()));
        // A fresh store (a new process would see the same) reads it back from the keychain.
        CredentialStore fresh(QStringLiteral("friendship-console-test"));
        QString read;
        fresh.load(server, [&read](const QString &t) { read = t; });
        QTRY_COMPARE_WITH_TIMEOUT(read, QStringLiteral("token-1"), kWaitMs);
        QSignalSpy removed(&fresh, &CredentialStore::settled);
        fresh.remove(server);
        QTRY_COMPARE_WITH_TIMEOUT(removed.size(), 1, kWaitMs);
        read = QStringLiteral("unset");
        CredentialStore third(QStringLiteral("friendship-console-test"));
        third.load(server, [&read](const QString &t) { read = t; });
        QTRY_VERIFY_WITH_TIMEOUT(read.isEmpty(), kWaitMs);
        QVERIFY(!third.memoryOnly());
    }
};

QTEST_MAIN(TestConsoleKeychain)
#include "tst_console_keychain.moc"
