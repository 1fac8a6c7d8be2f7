#pragma once

// What DELETE /api/me accepts: {password}. Pure.

#include "common/Result.h"

#include <QJsonValue>

namespace fp::PrivacyValidation {

/// The password that confirms an account deletion.
Result<QString> parseDeletion(const QJsonValue &body);

} // namespace fp::PrivacyValidation
