#include "server/trust/TrustJson.h"

#include "common/Time.h"

namespace fp {

QJsonObject trustScoreToJson(const TrustScoreView &view)
{
    QJsonObject json {{QStringLiteral("user_id"), view.userId},
                      {QStringLiteral("score"), view.score}};
    if (view.visibility == TrustVisibility::Full) {
        json.insert(QStringLiteral("cooldown_applied"), view.cooldownActive);
        json.insert(QStringLiteral("components"), view.state.componentsJson());
        json.insert(QStringLiteral("updated_at"), toWireTime(view.updatedAt));
    }
    return json;
}

admin::TrustScore staffTrustScore(const TrustScoreView &view)
{
    return admin::TrustScore {view.userId, view.score, view.cooldownActive,
                              view.state.componentsJson(), view.updatedAt};
}

} // namespace fp
