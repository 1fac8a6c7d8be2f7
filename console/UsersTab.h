#pragma once

// User search, one user's detail, their trust score over time with the ledger that explains it,
// and status changes (active / restricted / banned) with a note.

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;
class QTextBrowser;

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

class AvatarLabel;

class TrustChart;

class UsersTab : public QWidget
{
    Q_OBJECT

public:
    explicit UsersTab(admin::AdminClient *client, QWidget *parent = nullptr);

    void search(const QString &query);
    void showUser(const QString &id);
    void refresh();

private:
    void changeStatus();
    /// The status line: grey for news, red for an error.
    void setStatus(const QString &text, bool error = false);

    admin::AdminClient *m_client;
    QLineEdit *m_query;
    QTableWidget *m_results;
    QTextBrowser *m_detail;
    AvatarLabel *m_avatar;
    TrustChart *m_trustChart;
    QTableWidget *m_ledger;
    QComboBox *m_newStatus;
    QLineEdit *m_note;
    QPushButton *m_applyStatus;
    /// A status change is under way: the button is disabled and a second one is not sent (it
    /// would be a second entry in the audit log).
    bool m_statusChangeInFlight = false;
    QLabel *m_status;
    QString m_userId;
};

} // namespace fp::console
