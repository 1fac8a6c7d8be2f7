#pragma once

// What a PUT /api/profile body may hold (API_SPEC "Profile and onboarding"), checked whole so
// that one 400 names every bad field, and turned into a typed ProfileUpdate. Pure: no I/O, no
// clock; the catalog and the caller's stored keys come in as arguments. Unlike other domains'
// validation it needs stored state (a non-negotiable must stay among the caller's values), so
// ProfileService runs it inside the transaction that reads that state (docs/architecture.md).

#include "common/Result.h"
#include "server/profile/Catalog.h"
#include "server/profile/ProfileTypes.h"

#include <QJsonValue>

namespace fp {

/// Checks a PUT /api/profile body. On failure the AppError is 400 validation_failed whose
/// details.fields maps every bad path ("preferences.humor_score", "values.honestyy",
/// "preferences.availability_windows[2].start", ...) to its problem.
Result<ProfileUpdate> validateProfileUpdate(const QJsonValue &body, const Catalog &catalog,
                                            const ProfileKeysOnFile &onFile);

} // namespace fp
