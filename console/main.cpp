// friendship-console: the moderators' and product staff's desktop console. For now an empty
// main window; the admin client, sign-in and tabs arrive with the moderation work.

#include <QApplication>
#include <QCommandLineParser>
#include <QLabel>
#include <QMainWindow>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("friendship-console"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption serverOption(QStringLiteral("server"),
                                          QStringLiteral("Server URL to preselect."),
                                          QStringLiteral("URL"));
    parser.addOption(serverOption);
    parser.process(app);

    QMainWindow window;
    window.setWindowTitle(QStringLiteral("Friendship console"));
    auto *label = new QLabel(QStringLiteral("Server: %1").arg(parser.value(serverOption)), &window);
    label->setAlignment(Qt::AlignCenter);
    window.setCentralWidget(label);
    window.resize(900, 600);
    window.show();
    return app.exec();
}
