#pragma once

// A person's avatar in the staff views (the user view, a report's reported person): the
// 128 px image behind the signed URL the staff API gives, loaded from the server. An external
// URL set by the person is named, not fetched: the console does not call other people's
// servers.

#include <QLabel>
#include <QString>

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

class AvatarLabel : public QLabel
{
public:
    AvatarLabel(admin::AdminClient *client, QWidget *parent = nullptr);

    /// Shows the avatar at `avatarUrl` (empty: none); a later call supersedes an unfinished one.
    void showAvatar(const QString &avatarUrl);

private:
    admin::AdminClient *m_client;
    QString m_shown;
};

} // namespace fp::console
