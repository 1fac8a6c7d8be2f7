#include "console/AvatarLabel.h"

#include "common/AdminClient.h"

#include <QPixmap>
#include <QPointer>

namespace fp::console {

AvatarLabel::AvatarLabel(admin::AdminClient *client, QWidget *parent)
    : QLabel(parent), m_client(client)
{
    setObjectName(QStringLiteral("avatar"));
    setFixedSize(128, 128);
    setAlignment(Qt::AlignCenter);
    hide();
}

void AvatarLabel::showAvatar(const QString &avatarUrl)
{
    m_shown = avatarUrl;
    clear();
    setToolTip({});
    if (avatarUrl.isEmpty()) {
        hide();
        return;
    }
    show();
    if (!avatarUrl.startsWith(QLatin1String("/api/avatars/"))) {
        setWordWrap(true);
        setText(tr("External avatar (not loaded)"));
        setToolTip(avatarUrl);
        return;
    }
    QString small = avatarUrl;
    small.replace(QStringLiteral("size=512"), QStringLiteral("size=128"));
    setText(tr("Loading…"));
    m_client->avatarImage(small, [self = QPointer(this), avatarUrl](const Result<QByteArray> &r) {
        if (!self || self->m_shown != avatarUrl)
            return;
        QPixmap image;
        if (r && image.loadFromData(*r, "JPEG"))
            self->setPixmap(image);
        else
            self->setText(self->tr("Avatar unavailable"));
    });
}

} // namespace fp::console
