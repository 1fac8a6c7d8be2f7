#pragma once

// The composition root: every domain's repository and service, built once in dependency order
// with their dependencies passed in, and the wiring between domains (the ports they ask and the
// events they publish, docs/architecture.md "How domains talk"). Nothing else constructs a
// service; tests that call services in-process build a Domains too.

#include "server/admin/AdminService.h"
#include "server/analytics/AnalyticsService.h"
#include "server/base/DomainEvents.h"
#include "server/conversation/ConversationService.h"
#include "server/engagement/EngagementService.h"
#include "server/friendship/FriendshipService.h"
#include "server/identity/IdentityService.h"
#include "server/identity/TokenVerifier.h"
#include "server/matching/MatchingService.h"
#include "server/media/ObjectStore.h"
#include "server/privacy/PrivacyService.h"
#include "server/profile/AvatarService.h"
#include "server/profile/AvatarUrls.h"
#include "server/profile/Catalog.h"
#include "server/profile/ProfileService.h"
#include "server/reflection/ReflectionService.h"
#include "server/safety/ModerationRules.h"
#include "server/safety/SafetyService.h"
#include "server/trust/TrustService.h"

namespace fp {

struct Config;
class UserNotifier;

class Domains
{
public:
    Domains(const Config &config, UserNotifier &notifier, Catalog catalog,
            ModerationRules moderationRules);
    Domains(const Domains &) = delete;
    Domains &operator=(const Domains &) = delete;

    DomainEvents events;
    const Catalog catalog;
    const ModerationRules moderationRules;

    AdminRepository adminRepository;
    AdminService admin;
    AnalyticsRepository analyticsRepository;
    AnalyticsService analytics;
    EngagementRepository engagementRepository;
    EngagementService engagement;
    /// Where avatars are kept (FP_MEDIA_STORE): the local disk or S3-compatible storage.
    const std::unique_ptr<ObjectStore> mediaStore;
    const AvatarUrls avatarUrls;
    ProfileRepository profileRepository;
    ProfileService profiles;
    AvatarService avatars;
    IdentityRepository identityRepository;
    TokenVerifier tokens;
    IdentityService identity;
    FriendshipRepository friendshipRepository;
    FriendshipService friendships;
    TrustRepository trustRepository;
    TrustService trust;
    SafetyRepository safetyRepository;
    SafetyService safety;
    MatchingRepository matchingRepository;
    MatchingService matching;
    ConversationRepository conversationRepository;
    ConversationService conversations;
    ReflectionRepository reflectionRepository;
    ReflectionService reflections;
    PrivacyRepository privacyRepository;
    PrivacyService privacy;

private:
    void connectPorts();
    void subscribeToEvents();
};

} // namespace fp
