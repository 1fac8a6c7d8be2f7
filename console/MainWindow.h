#pragma once

// The console's window: the sign-in page until a staff account is signed in, then the tabs.
// It owns the session flow (silent resume from the keychain, sign-out, expiry) and the banners
// for an unreachable server and a missing keychain.

#include <QMainWindow>
#include <QUrl>

class QLabel;
class QStackedWidget;
class QTabWidget;

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

class AnalyticsTab;
class AuditTab;
class CredentialStore;
class QueueTab;
class ReportsTab;
class SignInPage;
class StaffAlerts;
class UsersTab;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(admin::AdminClient *client, CredentialStore *store, QWidget *parent = nullptr);

    /// Preselects the server and, if the keychain holds a token for it, signs in silently.
    void start(const QUrl &server);
    void signIn(const QString &server, const QString &email, const QString &password);
    void signOut();

    bool consoleShown() const;
    SignInPage *signInPage() const { return m_signIn; }
    QTabWidget *tabs() const { return m_tabs; }
    ReportsTab *reportsTab() const { return m_reports; }
    QueueTab *queueTab() const { return m_queue; }
    UsersTab *usersTab() const { return m_users; }
    AnalyticsTab *analyticsTab() const { return m_analytics; }
    AuditTab *auditTab() const { return m_audit; }
    StaffAlerts *staffAlerts() const { return m_alerts; }
    QString connectionMessage() const; // empty while the server answers
    QString keychainMessage() const;

Q_SIGNALS:
    void signedIn();

private:
    void showConsole();
    void showSignIn(const QString &message);
    void refreshCurrentTab();
    QString serverKey() const;

    admin::AdminClient *m_client;
    CredentialStore *m_store;
    QLabel *m_connectionBanner;
    QLabel *m_keychainBanner;
    QStackedWidget *m_stack;
    SignInPage *m_signIn;
    QTabWidget *m_tabs;
    QueueTab *m_queue;
    ReportsTab *m_reports;
    UsersTab *m_users;
    AnalyticsTab *m_analytics;
    AuditTab *m_audit;
    StaffAlerts *m_alerts;
    QLabel *m_who;
};

} // namespace fp::console
