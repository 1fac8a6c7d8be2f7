#pragma once

// The admin audit log, newest first, filterable by action, actor and target.

#include <QWidget>

class QLineEdit;
class QTableWidget;

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

class AuditTab : public QWidget
{
    Q_OBJECT

public:
    explicit AuditTab(admin::AdminClient *client, QWidget *parent = nullptr);
    void refresh();
    int rowCount() const;

Q_SIGNALS:
    void refreshed();

private:
    admin::AdminClient *m_client;
    QLineEdit *m_action;
    QLineEdit *m_actor;
    QLineEdit *m_target;
    QTableWidget *m_table;
};

} // namespace fp::console
