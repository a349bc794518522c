import Foundation
import Testing

/// `scripts/stack` says what is wrong instead of pointing at a log that was never written.
@Suite struct StackScriptTests {
    @Test("scripts/stack up in a folder the broker's and database's users cannot enter (mktemp -d is 0700) says so",
          .enabled(if: getuid() == 0, "as another user than root the stack runs everything as that user"))
    func aRunFolderTheServersCannotEnterIsNamed() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("ingestd-private-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: parent) }
        let run = try ChildProcess("/usr/bin/env", ["INGESTD_RUN_DIR=\(parent.path)/run",
                                                    TestStack.packageRoot.appendingPathComponent("scripts/stack").path, "up"], label: "stack")
        #expect(run.waitForExit() != 0)
        #expect(run.output.contains("cannot enter \(parent.path)/run"), "\(run.output)")
        #expect(run.output.contains("chmod o+x"), "\(run.output)")
    }
}
