// sqltest as a Jenkins shared-library step: runs `sqltest run` in the workspace, then publishes
// JUnit (`junit` step) and SARIF (Warnings NG `recordIssues`). Help: vars/sqltest.txt.
//
// Load the library from this repository's jenkins/ folder:
//   library identifier: 'sqltest@v1.2.3', retriever: modernSCM(
//     scm: [$class: 'GitSCMSource', remote: 'https://github.com/sqltest/sqltest.git'],
//     libraryPath: 'jenkins/')
//
// Then, in a stage whose agent has sqltest and Docker:
//   sqltest(dir: 'db', args: ['--image', 'postgres:16-alpine'], failOn: 'warning')

def call(Map cfg = [:]) {
    String projectDir = cfg.get('dir', '.')
    List extraArgs = (cfg.get('args', []) as List).collect { it.toString() }
    String failOn = cfg.get('failOn', 'error')
    String reports = cfg.get('reportsDir', 'reports')
    String binary = cfg.get('binary', 'sqltest')
    boolean junitReport = cfg.get('junit', true)
    boolean sarifReport = cfg.get('sarif', true)
    String checksName = cfg.get('checksName', 'SQL checks')

    if (!(failOn in ['error', 'warning', 'info'])) {
        error "sqltest: failOn must be error, warning or info, not '${failOn}'"
    }

    int status = 0
    dir(projectDir) {
        List argv = [binary, 'run',
                     '--report', "junit=${reports}/junit.xml",
                     '--report', "sarif=${reports}/sqltest.sarif",
                     '--report', "json=${reports}/results.json",
                     '--report', "html=${reports}/report.html",
                     '--fail-on', failOn] + extraArgs
        // Each argument is single-quoted for sh, so nothing in it is expanded.
        String command = argv.collect { "'" + it.replace("'", "'\\''") + "'" }.join(' ')
        status = sh(script: "mkdir -p '${reports}' && ${command}", returnStatus: true)

        if (junitReport) {
            junit testResults: "${reports}/junit.xml", allowEmptyResults: true,
                  keepProperties: true, checksName: checksName
        }
        if (sarifReport) {
            recordIssues enabledForFailure: true,
                         tools: [sarif(pattern: "${reports}/sqltest.sarif", id: 'sqltest', name: checksName)],
                         qualityGates: [[threshold: 1, type: 'TOTAL_ERROR', criticality: 'FAILURE']]
        }
        archiveArtifacts artifacts: "${reports}/**", allowEmptyArchive: true
    }

    // 1: checks failed (the junit step has already marked the build UNSTABLE or worse);
    // 2 and 3: the project or the environment is broken, which is a failure of the build.
    if (status == 1) {
        unstable "sqltest: checks failed (see the test results and SQL checks)"
    } else if (status != 0) {
        error "sqltest exited with ${status}: invalid project (2) or environment problem (3)"
    }
    return status
}
