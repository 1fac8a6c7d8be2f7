#pragma once

// Every event the server records in its outbox (docs/events.md describes each one's payload and
// who consumes it; tst_events_catalog checks that page against this list). A type's version
// changes when its payload changes incompatibly; consumers refuse versions they do not know.

#include <QLatin1StringView>
#include <array>

namespace fp {

struct EventType
{
    QLatin1StringView name;
    int version = 1;
};

namespace event {
using namespace Qt::StringLiterals;
// identity
inline constexpr EventType AccountCreated {"account.created"_L1, 1};
inline constexpr EventType AccountDeleted {"account.deleted"_L1, 1};
inline constexpr EventType AccountIdentityLinked {"account.identity_linked"_L1, 1};
inline constexpr EventType AccountIdentityUnlinked {"account.identity_unlinked"_L1, 1};
// profile
inline constexpr EventType OnboardingCompleted {"profile.onboarding_completed"_L1, 1};
inline constexpr EventType ProfileUpdated {"profile.updated"_L1, 1};
inline constexpr EventType AvatarSet {"profile.avatar_set"_L1, 1};
inline constexpr EventType AvatarRemoved {"profile.avatar_removed"_L1, 1};
// matching
inline constexpr EventType QueueJoined {"queue.joined"_L1, 1};
inline constexpr EventType QueueLeft {"queue.left"_L1, 1};
inline constexpr EventType QueueExpired {"queue.expired"_L1, 1};
inline constexpr EventType Matched {"match.made"_L1, 1};
// conversation
inline constexpr EventType ConversationStarted {"conversation.started"_L1, 1};
inline constexpr EventType MessageFlagged {"message.flagged"_L1, 1};
inline constexpr EventType MessageBlocked {"message.blocked"_L1, 1};
inline constexpr EventType GateDecided {"gate.decided"_L1, 1};
inline constexpr EventType GateTimedOut {"gate.timed_out"_L1, 1};
inline constexpr EventType Revealed {"conversation.revealed"_L1, 1};
inline constexpr EventType ConversationClosed {"conversation.closed"_L1, 1};
// friendship
inline constexpr EventType FriendshipCreated {"friendship.created"_L1, 1};
inline constexpr EventType FriendshipEventRecorded {"friendship.event_recorded"_L1, 1};
// reflection and trust
inline constexpr EventType ReflectionSubmitted {"reflection.submitted"_L1, 1};
inline constexpr EventType TrustChanged {"trust.changed"_L1, 1};
// safety
inline constexpr EventType ReportFiled {"report.filed"_L1, 1};
inline constexpr EventType ReportClaimed {"report.claimed"_L1, 1};
inline constexpr EventType ReportActioned {"report.actioned"_L1, 1};
inline constexpr EventType ReportEscalated {"report.escalated"_L1, 1};
inline constexpr EventType ReportClaimExpired {"report.claim_expired"_L1, 1};
inline constexpr EventType BlockCreated {"block.created"_L1, 1};
inline constexpr EventType PanicExit {"safety.panic_exit"_L1, 1};
inline constexpr EventType ModerationFlagged {"moderation.flagged"_L1, 1};
// engagement
inline constexpr EventType DailyAnswered {"engagement.daily_answered"_L1, 1};
inline constexpr EventType WeeklyIntentSet {"engagement.weekly_intent_set"_L1, 1};
inline constexpr EventType XpGranted {"engagement.xp_granted"_L1, 1};
// analytics: what a client sent to POST /api/events
inline constexpr EventType ClientEvent {"client.event"_L1, 1};

inline constexpr std::array kAll {
    AccountCreated,
    AccountDeleted,
    AccountIdentityLinked,
    AccountIdentityUnlinked,
    OnboardingCompleted,
    ProfileUpdated,
    AvatarSet,
    AvatarRemoved,
    QueueJoined,
    QueueLeft,
    QueueExpired,
    Matched,
    ConversationStarted,
    MessageFlagged,
    MessageBlocked,
    GateDecided,
    GateTimedOut,
    Revealed,
    ConversationClosed,
    FriendshipCreated,
    FriendshipEventRecorded,
    ReflectionSubmitted,
    TrustChanged,
    ReportFiled,
    ReportClaimed,
    ReportActioned,
    ReportEscalated,
    ReportClaimExpired,
    BlockCreated,
    PanicExit,
    ModerationFlagged,
    DailyAnswered,
    WeeklyIntentSet,
    XpGranted,
    ClientEvent,
};
} // namespace event

} // namespace fp
