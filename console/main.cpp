// friendship-console: the moderators' and product staff's desktop console.
//   friendship-console [--server URL] [--screenshot DIR --email E]   (password:
//   FP_CONSOLE_PASSWORD)
// --screenshot signs in, saves one PNG per tab into DIR and quits (scripts/console-screenshots.sh);
// the Analytics tab is shown as the walk-through of docs/analytics.md leaves it: last month's
// funnel beside the month before's.

#include "common/AdminClient.h"
#include "console/AnalyticsTab.h"
#include "console/CredentialStore.h"
#include "console/MainWindow.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QCommandLineParser>
#include <QDir>
#include <QTabWidget>
#include <QTimer>

namespace {

/// Shows each tab for a moment (so its data arrives), grabs it, then quits.
void screenshotTabs(fp::console::MainWindow *window, const QString &dir, int index = 0)
{
    QTabWidget *tabs = window->tabs();
    if (index >= tabs->count()) {
        QApplication::quit();
        return;
    }
    tabs->setCurrentIndex(index);
    if (tabs->widget(index) == window->analyticsTab()) {
        // What a product person picks to compare last month's sign-ups with the month before's.
        fp::console::AnalyticsTab *analytics = window->analyticsTab();
        analytics->showView(fp::console::AnalyticsTab::View::Funnel);
        auto *range = analytics->findChild<QComboBox *>(QStringLiteral("analyticsRange"));
        range->setCurrentIndex(range->findText(QStringLiteral("Last month")));
        analytics->findChild<QCheckBox *>(QStringLiteral("analyticsCompare"))->setChecked(true);
    }
    QTimer::singleShot(2500, window, [window, dir, index] {
        const QString name =
            window->tabs()->tabText(index).toLower().replace(QLatin1Char(' '), QLatin1Char('-'));
        window->grab().save(QDir(dir).filePath(name + QStringLiteral(".png")));
        screenshotTabs(window, dir, index + 1);
    });
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("friendship-console"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption serverOption(QStringLiteral("server"),
                                          QStringLiteral("Server URL to preselect."),
                                          QStringLiteral("URL"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"), QStringLiteral("Save a PNG per tab into DIR, then quit."),
        QStringLiteral("DIR"));
    const QCommandLineOption emailOption(QStringLiteral("email"),
                                         QStringLiteral("Sign in as EMAIL (with --screenshot)."),
                                         QStringLiteral("EMAIL"));
    parser.addOptions({serverOption, screenshotOption, emailOption});
    parser.process(app);

    fp::admin::AdminClient client;
    fp::console::CredentialStore store;
    fp::console::MainWindow window(&client, &store);
    window.show();
    if (parser.isSet(screenshotOption)) {
        const QString dir = parser.value(screenshotOption);
        QDir().mkpath(dir);
        QObject::connect(&window, &fp::console::MainWindow::signedIn, &window,
                         [&window, dir] { screenshotTabs(&window, dir); });
        window.signIn(parser.value(serverOption), parser.value(emailOption),
                      qEnvironmentVariable("FP_CONSOLE_PASSWORD"));
    } else {
        window.start(QUrl::fromUserInput(parser.value(serverOption)));
    }
    return app.exec();
}
