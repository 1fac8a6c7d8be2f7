#pragma once

// Server URL, email and password; shows why a sign-in failed (wrong password, not staff,
// server unreachable). MainWindow does the signing in.

#include <QWidget>

class QLineEdit;
class QLabel;
class QPushButton;

namespace fp::console {

class SignInPage : public QWidget
{
    Q_OBJECT

public:
    explicit SignInPage(QWidget *parent = nullptr);

    void setServer(const QString &server);
    void setBusy(bool busy);
    void showMessage(const QString &message);
    /// Forgets the typed password: it must not wait in the form for the next person at the
    /// desk once it has been used or the session is over.
    void clearPassword();
    QString message() const;

Q_SIGNALS:
    void signInRequested(const QString &server, const QString &email, const QString &password);

private:
    QLineEdit *m_server;
    QLineEdit *m_email;
    QLineEdit *m_password;
    QPushButton *m_button;
    QLabel *m_message;
};

} // namespace fp::console
