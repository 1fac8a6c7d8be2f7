#include "console/MainWindow.h"

#include "common/AdminClient.h"
#include "console/AnalyticsTab.h"
#include "console/AuditTab.h"
#include "console/ChartSupport.h"
#include "console/CredentialStore.h"
#include "console/QueueTab.h"
#include "console/ReportsTab.h"
#include "console/SignInPage.h"
#include "console/StaffAlerts.h"
#include "console/UsersTab.h"

#include <QAction>
#include <QLabel>
#include <QMenuBar>
#include <QPointer>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace fp::console {

namespace {

QLabel *banner(const QString &name, const QString &style, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setStyleSheet(style);
    label->hide();
    return label;
}

} // namespace

MainWindow::MainWindow(admin::AdminClient *client, CredentialStore *store, QWidget *parent)
    : QMainWindow(parent), m_client(client), m_store(store),
      m_connectionBanner(banner(QStringLiteral("connectionBanner"),
                                QStringLiteral("background:#b00020;color:white;padding:6px"),
                                this)),
      m_keychainBanner(banner(QStringLiteral("keychainBanner"),
                              QStringLiteral("background:#fff3cd;color:#664d03;padding:6px"),
                              this)),
      m_stack(new QStackedWidget(this)), m_signIn(new SignInPage(this)),
      m_tabs(new QTabWidget(this)), m_queue(new QueueTab(client, this)),
      m_reports(new ReportsTab(client, this)), m_users(new UsersTab(client, this)),
      m_analytics(new AnalyticsTab(client, this)), m_audit(new AuditTab(client, this)),
      m_alerts(new StaffAlerts(client, this)), m_who(new QLabel(this))
{
    setWindowTitle(tr("Friendship console"));
    m_tabs->addTab(m_queue, tr("Queue"));
    m_tabs->addTab(m_reports, tr("Reports"));
    m_tabs->addTab(m_users, tr("Users"));
    m_tabs->addTab(m_analytics, tr("Analytics"));
    m_tabs->addTab(m_audit, tr("Audit log"));
    m_stack->addWidget(m_signIn);
    m_stack->addWidget(m_tabs);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_connectionBanner);
    layout->addWidget(m_keychainBanner);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);
    statusBar()->addPermanentWidget(m_who);
    QMenu *session = menuBar()->addMenu(tr("&Session"));
    session->addAction(tr("Sign &out"), this, &MainWindow::signOut);
    session->addAction(tr("&Quit"), this, &QWidget::close);
    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *refresh = view->addAction(tr("&Refresh"), this, &MainWindow::refreshCurrentTab);
    // The desktop's Refresh keys (F5 on all of them), and Ctrl+R, which not all of them bind.
    QList<QKeySequence> refreshKeys = QKeySequence::keyBindings(QKeySequence::Refresh);
    if (const QKeySequence ctrlR(Qt::CTRL | Qt::Key_R); !refreshKeys.contains(ctrlR))
        refreshKeys.append(ctrlR);
    refresh->setShortcuts(refreshKeys);
    // The report queue's keys, listed where people look for them.
    QMenu *triage = menuBar()->addMenu(tr("&Triage"));
    triage->addActions(m_reports->actions());
    m_reports->followAlerts(m_alerts);
    connect(m_reports, &ReportsTab::badgeChanged, this, [this] {
        const QString badge = m_reports->badgeText();
        m_tabs->setTabText(m_tabs->indexOf(m_reports),
                           badge.isEmpty() ? tr("Reports") : tr("Reports (%1)").arg(badge));
    });
    resize(1200, 800);

    connect(m_signIn, &SignInPage::signInRequested, this, &MainWindow::signIn);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::refreshCurrentTab);
    connect(m_client, &admin::AdminClient::reachabilityChanged, this, [this](bool reachable) {
        m_connectionBanner->setVisible(!reachable);
        m_connectionBanner->setText(
            reachable ? QString()
                      : tr("The server at %1 is unreachable. Retrying every few seconds; what "
                           "you see may be out of date.")
                            .arg(m_client->server().toString()));
        if (reachable && consoleShown())
            refreshCurrentTab();
    });
    connect(m_client, &admin::AdminClient::refreshTokenChanged, this,
            [this](const QString &token) { m_store->save(serverKey(), token); });
    connect(m_client, &admin::AdminClient::sessionExpired, this, [this](const QString &message) {
        m_store->remove(serverKey());
        showSignIn(message);
    });
    connect(m_store, &CredentialStore::keychainUnavailable, this, [this](const QString &message) {
        m_keychainBanner->setText(message);
        m_keychainBanner->show();
    });
}

QString MainWindow::serverKey() const
{
    return m_client->server().toString();
}

bool MainWindow::consoleShown() const
{
    return m_stack->currentWidget() == m_tabs;
}

QString MainWindow::connectionMessage() const
{
    return m_connectionBanner->isVisibleTo(this) ? m_connectionBanner->text() : QString();
}

QString MainWindow::keychainMessage() const
{
    return m_keychainBanner->isVisibleTo(this) ? m_keychainBanner->text() : QString();
}

void MainWindow::start(const QUrl &server)
{
    showSignIn({});
    if (server.isEmpty())
        return;
    m_signIn->setServer(server.toString());
    m_client->setServer(server);
    m_signIn->setBusy(true);
    // The client and the store outlive this window (they belong to the caller), so their
    // callbacks check that the window still exists.
    m_store->load(serverKey(), [self = QPointer(this)](const QString &token) {
        if (!self)
            return;
        if (token.isEmpty()) {
            self->m_signIn->setBusy(false);
            return;
        }
        self->m_client->resume(token, [self](const Result<admin::Identity> &r) {
            if (!self)
                return;
            self->m_signIn->setBusy(false);
            if (r && r->seesConsole()) {
                self->showConsole();
            } else if (r || r.error().code == ErrorCode::Unauthorized) {
                // The server refused the token (401), or its account may no longer use the
                // console: it is of no more use.
                self->m_store->remove(self->serverKey());
                self->m_signIn->showMessage(tr("Please sign in again."));
            } else {
                // Unreachable, failing or busy (500, 503, 429): the server did not say the token
                // is bad, so it is kept for the next start.
                self->m_signIn->showMessage(
                    tr("The saved session could not be resumed: %1. Sign in, or try again in a "
                       "moment.")
                        .arg(describe(r.error())));
            }
        });
    });
}

void MainWindow::signIn(const QString &server, const QString &email, const QString &password)
{
    const QUrl url = QUrl::fromUserInput(server);
    if (!url.isValid() || url.host().isEmpty()) {
        m_signIn->showMessage(tr("Enter the server URL, e.g. http://localhost:8080"));
        return;
    }
    m_client->setServer(url);
    m_signIn->setBusy(true);
    m_client->login(email, password, [self = QPointer(this)](const Result<admin::Identity> &r) {
        if (!self)
            return;
        self->m_signIn->setBusy(false);
        if (!r) {
            const AppError &e = r.error();
            self->m_signIn->showMessage(admin::AdminClient::isUnreachable(e) ? e.message
                                            : e.code == ErrorCode::Unauthorized
                                            ? tr("Wrong email or password.")
                                            : e.message);
            return;
        }
        if (!r->seesConsole()) {
            // A plain account may not use the console: end the session we just opened.
            self->m_client->logout();
            self->m_store->remove(self->serverKey());
            self->m_signIn->showMessage(tr("This account is not a staff account: only "
                                           "moderators, admins and analysts can use the "
                                           "console."));
            return;
        }
        self->m_signIn->clearPassword();
        self->showConsole();
    });
}

void MainWindow::signOut()
{
    m_store->remove(serverKey());
    m_client->logout();
    showSignIn(tr("Signed out."));
}

void MainWindow::showConsole()
{
    const admin::Identity who = m_client->identity();
    m_who->setText(tr("%1 (%2) on %3")
                       .arg(who.email.isEmpty() ? who.userId : who.email, who.role, serverKey()));
    // An analyst sees the product's numbers only: no report, user or audit entry.
    const bool analyst = who.isAnalyst();
    for (QWidget *staffOnly : {static_cast<QWidget *>(m_reports), static_cast<QWidget *>(m_users),
                               static_cast<QWidget *>(m_audit)})
        m_tabs->setTabVisible(m_tabs->indexOf(staffOnly), !analyst);
    if (analyst)
        m_tabs->setCurrentWidget(m_analytics);
    m_stack->setCurrentWidget(m_tabs);
    m_queue->refresh();
    if (!analyst) {
        m_reports->refresh();
        m_alerts->start(); // the staff alert feed is for moderators and admins
    }
    refreshCurrentTab();
    Q_EMIT signedIn();
}

void MainWindow::showSignIn(const QString &message)
{
    m_who->clear();
    m_alerts->stop();
    m_signIn->clearPassword();
    m_stack->setCurrentWidget(m_signIn);
    m_signIn->showMessage(message);
}

void MainWindow::refreshCurrentTab()
{
    if (!consoleShown())
        return;
    QWidget *current = m_tabs->currentWidget();
    if (current == m_queue)
        m_queue->refresh();
    else if (current == m_reports)
        m_reports->refresh();
    else if (current == m_users)
        m_users->refresh();
    else if (current == m_analytics)
        m_analytics->refresh();
    else if (current == m_audit)
        m_audit->refresh();
}

} // namespace fp::console
