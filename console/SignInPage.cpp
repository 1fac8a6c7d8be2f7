#include "console/SignInPage.h"

#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace fp::console {

SignInPage::SignInPage(QWidget *parent)
    : QWidget(parent), m_server(new QLineEdit(this)), m_email(new QLineEdit(this)),
      m_password(new QLineEdit(this)), m_button(new QPushButton(tr("Sign in"), this)),
      m_message(new QLabel(this))
{
    m_server->setObjectName(QStringLiteral("serverEdit"));
    m_email->setObjectName(QStringLiteral("emailEdit"));
    m_password->setObjectName(QStringLiteral("passwordEdit"));
    m_button->setObjectName(QStringLiteral("signInButton"));
    m_message->setObjectName(QStringLiteral("signInMessage"));
    m_server->setPlaceholderText(QStringLiteral("http://localhost:8080"));
    m_password->setEchoMode(QLineEdit::Password);
    m_message->setWordWrap(true);
    m_message->setStyleSheet(QStringLiteral("color: #b00020"));

    auto *form = new QFormLayout;
    form->addRow(tr("Server"), m_server);
    form->addRow(tr("Email"), m_email);
    form->addRow(tr("Password"), m_password);
    auto *box = new QWidget(this);
    box->setMaximumWidth(460);
    auto *inner = new QVBoxLayout(box);
    auto *title = new QLabel(tr("<h2>Friendship console</h2>Staff accounts only."), box);
    inner->addWidget(title);
    inner->addLayout(form);
    inner->addWidget(m_button);
    inner->addWidget(m_message);
    auto *outer = new QVBoxLayout(this);
    outer->addStretch();
    outer->addWidget(box, 0, Qt::AlignHCenter);
    outer->addStretch();

    const auto request = [this] {
        m_message->clear();
        Q_EMIT signInRequested(m_server->text().trimmed(), m_email->text().trimmed(),
                               m_password->text());
    };
    connect(m_button, &QPushButton::clicked, this, request);
    connect(m_password, &QLineEdit::returnPressed, this, request);
}

void SignInPage::setServer(const QString &server)
{
    m_server->setText(server);
}

void SignInPage::setBusy(bool busy)
{
    m_button->setEnabled(!busy);
    m_button->setText(busy ? tr("Signing in…") : tr("Sign in"));
}

void SignInPage::showMessage(const QString &message)
{
    m_message->setText(message);
}

void SignInPage::clearPassword()
{
    m_password->clear();
}

QString SignInPage::message() const
{
    return m_message->text();
}

} // namespace fp::console
