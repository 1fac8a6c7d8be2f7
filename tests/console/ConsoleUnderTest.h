#pragma once

// A console window as the offscreen console tests drive it: its own admin client and a
// (keychain-less, see each test's initTestCase) credential store, signed in through the sign-in
// page the way a person would.

#include "common/AdminClient.h"
#include "console/CredentialStore.h"
#include "console/MainWindow.h"
#include "console/SignInPage.h"
#include "console/StaffAlerts.h"

#include <QLineEdit>
#include <QNetworkReply>
#include <QPushButton>
#include <QTabWidget>
#include <QTest>

namespace fp::test {

struct ConsoleUnderTest
{
    static constexpr int kSettleMs = 20000;

    /// `keychainService`: a service name of the test's own, so tests never share credentials.
    explicit ConsoleUnderTest(const QString &keychainService) : store(keychainService) { }
    ConsoleUnderTest(const ConsoleUnderTest &) = delete;
    ConsoleUnderTest &operator=(const ConsoleUnderTest &) = delete;

    // A test ends while keychain jobs and requests it started may still be under way: let them
    // finish while everything they report to is alive, as it would be in the running console.
    // (The store's only children are its keychain jobs, which delete themselves when done.)
    ~ConsoleUnderTest()
    {
        window.staffAlerts()->stop();
        if (!QTest::qWaitFor(
                [this] {
                    return client.findChildren<QNetworkReply *>().isEmpty() &&
                        store.children().isEmpty();
                },
                kSettleMs))
            qWarning("the console still had requests or keychain jobs under way");
    }

    /// Fills in the sign-in page and presses "Sign in".
    void signInThroughUi(const QString &server, const QString &email, const QString &password)
    {
        auto *page = window.signInPage();
        page->findChild<QLineEdit *>(QStringLiteral("serverEdit"))->setText(server);
        page->findChild<QLineEdit *>(QStringLiteral("emailEdit"))->setText(email);
        page->findChild<QLineEdit *>(QStringLiteral("passwordEdit"))->setText(password);
        QTest::mouseClick(page->findChild<QPushButton *>(QStringLiteral("signInButton")),
                          Qt::LeftButton);
    }

    /// Starts the window and signs in to the server on this loopback port.
    void signIn(quint16 port, const QString &email, const QString &password)
    {
        window.start({});
        signInThroughUi(QStringLiteral("http://127.0.0.1:%1").arg(port), email, password);
    }

    /// The names of the tabs the signed-in person is shown, in order.
    QStringList visibleTabs()
    {
        QTabWidget *tabs = window.tabs();
        QStringList visible;
        for (int i = 0; i < tabs->count(); ++i) {
            if (tabs->isTabVisible(i))
                visible << tabs->tabText(i);
        }
        return visible;
    }

    fp::admin::AdminClient client;
    fp::console::CredentialStore store;
    fp::console::MainWindow window {&client, &store};
};

} // namespace fp::test
