// friendship-server: the API and WebSocket server. `friendship-server --help` lists settings.

#include "server/app/Application.h"
#include "server/app/DemoData.h"
#include "server/base/Config.h"
#include "server/base/EpollEventDispatcher.h"
#include "server/base/Log.h"
#include "server/identity/PasswordHasher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>
#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    // Only async-signal-safe work here: wake the event loop, which does the rest.
    [[maybe_unused]] const ssize_t written = ::write(g_signalPipe[1], &byte, 1);
}

void installSignalHandlers()
{
    ::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe);
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

} // namespace

int main(int argc, char *argv[])
{
    qputenv("TZ", "UTC"); // every time the server handles is UTC
    // Chosen before the application exists, as Qt requires; Config validates the value.
    if (qEnvironmentVariable("FP_EVENT_LOOP", QStringLiteral("epoll")) != QLatin1String("qt"))
        QCoreApplication::setEventDispatcher(new fp::EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("friendship-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("The friendship platform's API and WebSocket server.\n\n"
                       "Commands:\n  (none)    serve the API (migrations are applied first)\n"
                       "  migrate   apply database migrations and exit\n"
                       "  analytics-rebuild   recompute every analytics rollup from the kept "
                       "events and exit\n"
                       "  demo-data [--users N] [--days D]   record a demo history of N people "
                       "over D days for the analytics and exit\n\n") +
        fp::Config::describeSettings());
    const QCommandLineOption helpOption = parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(QStringLiteral("config"),
                                          QStringLiteral("Read settings from this INI file."),
                                          QStringLiteral("FILE"));
    parser.addOption(configOption);
    const QCommandLineOption usersOption(QStringLiteral("users"),
                                         QStringLiteral("demo-data: how many people (1-2000000)."),
                                         QStringLiteral("N"), QStringLiteral("500"));
    const QCommandLineOption daysOption(QStringLiteral("days"),
                                        QStringLiteral("demo-data: over how many days (1-730)."),
                                        QStringLiteral("D"), QStringLiteral("90"));
    parser.addOption(usersOption);
    parser.addOption(daysOption);
    parser.addPositionalArgument(
        QStringLiteral("command"),
        QStringLiteral("migrate, analytics-rebuild, demo-data, or nothing to serve"));
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    static const QStringList commands {QStringLiteral("migrate"),
                                       QStringLiteral("analytics-rebuild"),
                                       QStringLiteral("demo-data")};
    if (positional.size() > 1 ||
        (positional.size() == 1 && !commands.contains(positional.first()))) {
        std::fprintf(stderr, "friendship-server: unknown command '%s' (see --help)\n",
                     qPrintable(positional.join(QLatin1Char(' '))));
        return 2;
    }

    auto loaded =
        fp::Config::load(parser.value(configOption), QProcessEnvironment::systemEnvironment());
    if (auto *error = std::get_if<QString>(&loaded)) {
        std::fprintf(stderr, "friendship-server: configuration error: %s\n", qPrintable(*error));
        return 2;
    }
    fp::Config config = std::get<fp::Config>(std::move(loaded));
    fp::log::setFormat(config.logFormat);
    fp::log::installQtMessageHandler();
    if (!fp::PasswordHasher::initialise()) {
        fp::log::error(
            QStringLiteral("startup_failed"),
            {{QStringLiteral("error"), QStringLiteral("libsodium failed to initialise")}});
        return 1;
    }

    if (positional.value(0) == QLatin1String("migrate"))
        return fp::runMigrations(config);
    if (positional.value(0) == QLatin1String("analytics-rebuild"))
        return fp::runAnalyticsRebuild(config);
    if (positional.value(0) == QLatin1String("demo-data")) {
        // A whole number in [lowest, highest], or a message naming the option and what it got.
        const auto count = [&parser](const QCommandLineOption &option, int lowest, int highest,
                                     int *value) {
            bool ok = false;
            const QString given = parser.value(option);
            *value = given.toInt(&ok);
            if (ok && *value >= lowest && *value <= highest)
                return true;
            std::fprintf(stderr,
                         "friendship-server: demo-data: --%s takes a whole number from %d to %d, "
                         "not '%s'\n",
                         qPrintable(option.names().first()), lowest, highest, qPrintable(given));
            return false;
        };
        fp::DemoDataOptions demo;
        if (!count(usersOption, 1, 2000000, &demo.users) || !count(daysOption, 1, 730, &demo.days))
            return 2;
        return fp::runDemoData(config, demo);
    }

    installSignalHandlers();
    fp::Application application(std::move(config));
    QSocketNotifier signalNotifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&signalNotifier, &QSocketNotifier::activated, &application, [&application] {
        char byte;
        [[maybe_unused]] const ssize_t got = ::read(g_signalPipe[0], &byte, 1);
        application.shutdown();
    });
    if (!application.start())
        return 1;
    return app.exec();
}
