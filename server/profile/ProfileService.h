#pragma once

// The caller's own profile: read it whole, replace sections of it in one transaction (all or
// nothing), and the derived onboarding state other domains ask about (matching refuses the
// queue until it is complete). No HTTP and no SQL here.

#include "common/Result.h"
#include "server/profile/ProfileRepository.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace fp {

class ProfileService
{
public:
    /// The caller's whole profile; 404 when the account has no profile row.
    Result<Profile> profile(const QString &userId) const;
    /// Validates a PUT /api/profile body against the catalog and the caller's stored keys and
    /// writes every section present, or nothing (400 naming every bad field).
    Result<Profile> update(const QString &userId, const QJsonValue &body) const;
    /// Nickname, preferences, ≥3 values and ≥3 interests (false when there is no profile).
    Result<bool> onboardingComplete(const QString &userId) const;

private:
    ProfileRepository m_repository;
};

/// The GET /api/profile body (API_SPEC "Profile and onboarding"): every field, nulls included.
QJsonObject profileToJson(const Profile &profile);

} // namespace fp
