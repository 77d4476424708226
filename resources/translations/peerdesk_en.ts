<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>After the session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referral question: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referral question left for later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check-in due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An &apos;%1&apos; check-in (WHO-5 or PSS-4, about two minutes) is due for %2. Record it now?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record check-in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; check-in recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referral</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>higher is better</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>higher means more stress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>out of %1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record a session (opens the session form)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search box of the page shown (Sessions, Participants, Referrals, Resources, Audit log)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the session form</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear the session form</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On a session in the list: load your session to correct it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New participant (Participants page)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On a session in an episode timeline: open your session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On a referral: move it along</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On an episode waiting for a supporter (Today): Match</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next or previous field</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That field or button</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nothing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — lower than usual: worth talking with someone you trust</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>referred (referral question)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AccountPage</name>
    <message>
        <source>Your site and the administrator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The administrator manages accounts, the policy and backups. Supporters and coordinators get their own accounts later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Main site</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Site name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Administrator &amp;username:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Display name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Repeat password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caps Lock is on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At least 8 characters; long is better than complicated. Common passwords are refused.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AccountsPage</name>
    <message>
        <source>Accounts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Locked out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last sign-in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No accounts. Add one with Add account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add account…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Disable…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reset password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Policy (policy.toml in the data folder)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save &amp;policy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup and restore</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A backup is an encrypted, verified copy of the whole store. Keep copies away from this computer. Restoring replaces the current store (which is kept in a folder beside it) and signs everyone out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Back up now…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Res&amp;tore from a backup…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account added</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account %1 added. First password: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disable account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disable %1? They can no longer sign in; what they recorded stays.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give %1 a new password? This also clears a lock-out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New password for %1: %2
Give it to them in person.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Policy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Policy saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The policy was saved. The idle lock uses it from the next sign-in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back up the store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PeerDesk backups (*.pdbackup)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backed up and verified: %1 (%2 MB).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing and verifying the backup…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AuditPage</name>
    <message>
        <source>&amp;Action:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All actions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action or record id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>#</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No events match these filters. Choose All actions or clear the boxes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 events</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change my password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Current password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Repeat new password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At least %1 characters. A few unrelated words make a strong password.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CheckInDialog</name>
    <message>
        <source>Record a check-in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Taken:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CourseDialog</name>
    <message>
        <source>Add a course</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add course</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Code:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>short and unique, e.g. trauma-informed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Required:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>supporters must hold it to be matched</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required &amp;for:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>disciplines, comma separated; empty = all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Valid for:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> months</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>does not expire</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EmptyStateTable</name>
    <message>
        <source>Loading…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EpisodeDialog</name>
    <message>
        <source>Open a support episode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Why support was sought:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ris&amp;k level:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lived e&amp;xperience wanted:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Supporter:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(suggest one after opening)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InstrumentForm</name>
    <message>
        <source>Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Instrument:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Date:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Score:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>— not answered —</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Item %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>answer every item to see the score (%1 of %2 answered)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LockPage</name>
    <message>
        <source>PeerDesk is locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Unlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign &amp;out (someone else)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Emergency access was in use. Enter the recovery key to continue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in as %1 (%2). Enter your password to continue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>Sign in to PeerDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the &amp;recovery key…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Emergency access when no administrator password is known (audited)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore from a &amp;backup…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Forgot your password? An administrator can reset it under Accounts and policy. Nothing you recorded is lost.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your username.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If you have a backup, restore it with the button below: the damaged files are kept in a folder beside it, never deleted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask an administrator to reset your password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wait %1 s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>PeerDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data folder: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change my password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the demo store with made-up people and sessions…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password for each: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password: the one printed when this demo store was created.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo accounts: %1 (supporter), coordinator, admin.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlocking the store…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Emergency access</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the recovery key. Its use is recorded in the audit log; afterwards, reset the forgotten password under Accounts and policy.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>emergency access</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PeerDesk — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check this store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlocking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use your new password from now on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore from a backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PeerDesk backups (*.pdbackup);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your username in the backup (leave empty to use the recovery key):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recovery key:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The store in %1 will be replaced by the backup. The current files are moved to a folder beside it, not deleted. Everyone is signed out. Continue?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backup from %1 was restored. Sign in to continue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The previous store files are in %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restored</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not restored</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking and restoring the backup…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MatchingDialog</name>
    <message>
        <source>Match a supporter for %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Assign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Concern:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the participant&apos;s language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lived e&amp;xperience wanted:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;uggest again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rank again with the concern, language and lived experience above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nobody yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Assigned now: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Places free</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suggested supporters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody can be suggested right now. Press &apos;Why is someone missing?&apos; to see who is left out and why (leave, capacity, training), then fix that under Supporters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why this supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Why is someone missing?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not suggested</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Because</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporters not suggested</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every active supporter is suggested above.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can take this episode yourself. To hand it to a colleague, ask a coordinator.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Why is someone missing? (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why %1: %2.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MyTrainingPage</name>
    <message>
        <source>My training and supervision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My training summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Courses and certificates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Course</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expires</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My courses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No training recorded yet, and no course is required for your discipline. When you complete a course, tell your coordinator so they can record it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervision hours, last %1 months</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My supervision hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervision is logged by your coordinator.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Read-only: your coordinator records training and supervision under Training and supervision. Tell them when you complete a course or if something here is wrong.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My supervision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 hours of supervision in the last %2 months.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your required training is current.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs attention: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warnings start %1 days before a certificate expires.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Page</name>
    <message>
        <source>%1 days overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>due today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in %1 days</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ParticipantDialog</name>
    <message>
        <source>New participant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Type:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Code:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>leave empty for a new random code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Role or discipline:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Department:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name (optional):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;ontact (optional):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consent &amp;given:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Episode:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>open a support episode now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Why support was sought:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ris&amp;k level:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lived e&amp;xperience wanted:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ParticipantsPage</name>
    <message>
        <source>Search by code or name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show &amp;names</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Names are shown only where recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Participants</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No participants yet. Add someone with New participant (Ctrl+Shift+N); they get a pseudonymous code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New &amp;participant…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Episodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Risk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a participant on the left to see their episodes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open episode…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clo&amp;se episode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New &amp;referral…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add chec&amp;k-in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Match supporter…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suggested supporters with their reasons, and who is missing and why</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Episode timeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private notes are not shown here. Their author opens a session (Enter or double-click) to read them in the session form.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an episode to see its sessions, referrals and check-ins in order.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Episodes of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Episode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>closed on %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no sessions yet (series of %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — %2, opened %3, %4; supporter: %5. Series: %6.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not assigned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close episode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close the episode of %1 today? Its records stay.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check-in due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The &apos;after&apos; check-in for %1 has not been recorded. Record it before closing?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record check-in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close without it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private notes belong to the supporter who recorded the session; only they can open them.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PasswordField</name>
    <message>
        <source>Show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show or hide the password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QLabel</name>
    <message>
        <source>Caps Lock is on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DEMO DATA — every person and record here is made up. Do not enter real data.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QLineEdit</name>
    <message>
        <source>only if the person asked, e.g. grief, substance use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Areas of lived experience the person would like their supporter to share</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QMessageBox</name>
    <message>
        <source>Yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QuickEntryForm</name>
    <message>
        <source>type a participant code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a new participant and open an episode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New participant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Participant:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Series position</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sessions come in structured series; the last one asks about a referral.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Series:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;When:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Duration:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Mode:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Individual</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>other participants&apos; codes, comma separated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Attendance:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. burnout, conflict</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Concerns:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only you can read these notes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private no&amp;tes:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Follow up on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow-up date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow-up:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Safety concern (risk to self or others)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Safety:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Form message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save  (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Episodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>choose a participant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this will be %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — the last of the series: you will be asked about a referral</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record a session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Correct session of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save correction  (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>These notes were sealed before your password was reset. They are kept, and open only with the recovery key; ask your coordinator.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Series</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this is %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved a session with %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Corrected the session with %1.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RecoveryPage</name>
    <message>
        <source>Your recovery key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shown once. Print it or save it now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Print…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save as P&amp;DF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>I have printed or saved the recovery key and will lock it away</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print the recovery key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the recovery key as PDF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved to %1. Print it, lock the printout away, and delete the file.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReferralDialog</name>
    <message>
        <source>New referral</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record referral</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Refer to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>R&amp;eason:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Urgency:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Warm hand-off:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>introduced in person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Status:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Check back on:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReferralPromptDialog</name>
    <message>
        <source>Safety concern</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>End of the series</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Continue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You flagged a safety concern for %1. Peer support is not crisis care: a referral to a crisis line or mental health service is usually the next step.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 with %2 ends the structured series. Consider whether a referral, for example to the employee assistance program or professional help, would help now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No referral was recorded. Choose again, or decide later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why you are asked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Make a referral now…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referral &amp;not needed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The participant &amp;declined a referral</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decide &amp;later</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReferralsPage</name>
    <message>
        <source>Search code, service or reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Participant code, service or reason (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Show:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referral status filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open (waiting for action)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number of referrals</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Made</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Participant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referred to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check back on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warm hand-off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referrals</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referral history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a referral to see its history.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Move along…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;episode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No referrals match. Clear the search box to see them all.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No referrals here. Make one from an episode (Participants → New referral) or when you flag a safety concern in a session.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 referral</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 referrals</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referral</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History: %1 to %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move referral</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is %2. Move it to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A short note (optional, no names):</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <source>Month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date range</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Period type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide small counts (below %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Untick only for internal use; the report then says that nothing was hidden.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Build report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF password (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If set, the saved PDF is encrypted with AES-256.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save as…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Print…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a period and build the report.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report preview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your role cannot run reports; coordinators can.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The period or settings changed: build the report again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Building the report for %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>small counts hidden</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NOTHING HIDDEN - internal use only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2 contacts · %3 pages · %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The report could not be built.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Page %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report not saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (password protected)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved to %1%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report not printed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent %1 pages to the printer.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResourceDialog</name>
    <message>
        <source>Edit resource</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a resource</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Phone:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Email:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Hours:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>N&amp;otes:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ac&amp;tive:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>listed in the directory</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResourcesPage</name>
    <message>
        <source>Search services by name, kind, hours or notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show &amp;inactive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resources</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add resource…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing matches. Clear the search box to see the whole directory.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The directory is empty. Add the services you refer people to with Add resource, or import them with &apos;peerdesk import resources FILE.csv&apos;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The directory is empty. Ask your coordinator to add services.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RowTableModel</name>
    <message>
        <source>Click to sort</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SessionsPage</name>
    <message>
        <source>Search code or concern</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Participant code or concern (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Onl&amp;y mine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only sessions I recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sh&amp;ow withdrawn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number of sessions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Participant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Concerns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Safety</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>flagged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>withdrawn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Co&amp;rrect…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load your session into the form to correct it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wit&amp;hdraw…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow-&amp;up done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;episode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No sessions match. Clear the search box to see all sessions.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No sessions yet. Record your first one with the form on the right: pick the participant (or New… for someone new), then Ctrl+Enter to save.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No sessions have been recorded yet. Supporters record them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 sessions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This session was withdrawn; it can no longer be corrected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Correct a session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only the supporter who recorded a session can correct it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Withdraw session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why is the session with %1 withdrawn? (kept in the audit trail)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up PeerDesk</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SupervisionDialog</name>
    <message>
        <source>Log supervision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Held on:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Minutes:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Format:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Supervisor:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SupporterDialog</name>
    <message>
        <source>Edit supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>D&amp;iscipline:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Department:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;pecialty:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Experience (years):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Languages:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Li&amp;ved experience:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Capacity:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> open episodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Status:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SupportersPage</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discipline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Department</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Languages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caseload</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open episodes against capacity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No supporters yet. An administrator adds supporter accounts (each gets a profile), or add a profile here with Add supporter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add supporter…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set up standard &amp;courses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Course</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expires</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No training recorded. Record completed courses with Record training.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Held on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervision log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No supervision logged. Log sessions with Log supervision.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Training and certifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervision &amp;log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record t&amp;raining…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log &amp;supervision…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>does not expire</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>EXPIRED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expires soon</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>valid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Courses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2 · specialty: %3 · experience: %4 years · languages: %5 · lived experience: %6 · caseload %7 of %8</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervision</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Task</name>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TodayPage</name>
    <message>
        <source>&amp;Record a session  (Ctrl+N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Participant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Risk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for a supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every open episode has a supporter. Episodes opened without one wait here until you match them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Match…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suggested supporters for the chosen episode, with their reasons (Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;episode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My follow-ups due and overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow-ups due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No follow-ups due this week. When you record a session, set a follow-up date and it shows here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referred to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check back on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referrals waiting for action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No referrals are waiting. Open referrals you make from a session show here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Concerns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My recent sessions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have not recorded a session yet. Press Ctrl+N to record one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporters needing attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All supporters are trained, supervised and within capacity.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accounts locked out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No account is locked out. If someone is, reset their password under Accounts and policy.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Today, %1 — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 follow-ups due this week (%2 overdue), %3 open referrals.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The most urgent are listed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More than %1 episodes are</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 episode is</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 episodes are</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting for a supporter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>As administrator you manage accounts, the policy and backups; participant records are not shown to this role.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>since today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 days</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrainingDialog</name>
    <message>
        <source>Record training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Course:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;ompleted on:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Expiry:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from the course&apos;s validity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>E&amp;xpires on:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrainingPage</name>
    <message>
        <source>Training and supervision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Courses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Super&amp;vision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Case&amp;load and well-being</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show supporters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;how:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Training summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The worst state over the courses required for their role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporters&apos; training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No supporters yet. Add supporter profiles under Supporters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Course</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expires</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Courses of the chosen supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a supporter on the left. A supporter with nothing here has no training recorded and no course is required for their discipline.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record t&amp;raining…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required for</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>every supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Valid for</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 months</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>does not expire</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Course catalogue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No courses yet. Set up the standard courses (psychological first aid, active listening, confidentiality and boundaries, ethics, crisis recognition), then add the program&apos;s own with Add course.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add course…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set up &amp;standard courses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hours this month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last supervision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervision by supporter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No active supporters. Supervision is tracked for active supporters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervision hours per month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a supporter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Held on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervision log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No supervision logged for this supporter. Add one with Log supervision.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log s&amp;upervision…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caseload against capacity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open episodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Places left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>full (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sessions per week</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Average over the last four weeks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporters&apos; own well-being check-ins</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Well-being check-in counts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supporters can record a private WHO-5 or PSS-4 check-in about themselves under My well-being. Only counts reach this screen: never who, never scores.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 supporters: %2 with lapsed training, %3 with a certificate expiring within %4 days, %5 missing a required course.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody matches this filter. Choose Everyone to see all supporters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — training %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Courses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none for %1+ weeks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2 active supporters have had no supervision for %3 weeks or more. Hours are for %4.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caseload</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Well-being</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2 check-ins by %3 of %4 active supporters.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UserDialog</name>
    <message>
        <source>Add an account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Display name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Role:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First &amp;password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the first password to the person; they can change it later.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to PeerDesk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PeerDesk keeps your peer support program&apos;s records in one encrypted file on this computer. Nothing is sent over a network.

This assistant creates the store, names your site and sets up the first administrator account. At the end it shows a recovery key: print it or save it, and lock it away.

Data folder: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore from a &amp;backup instead…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Moving to a new computer? Restore your last backup.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WellbeingDialog</name>
    <message>
        <source>My private well-being check-in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private: only you can see your answers and scores. Coordinators see only how many supporters checked in, never who or how.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WellbeingPage</name>
    <message>
        <source>My well-being — private</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private to you. Only you can see these check-ins: not coordinators, not administrators. A coordinator sees only how many supporters checked in each month, never who or how. This is for you, not for your casework.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Record a check-in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>WHO-5 (well-being) or PSS-4 (stress); about two minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Instrument</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Meaning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My well-being check-ins</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No check-ins yet. Press Record a check-in (Alt+R): WHO-5 asks about your well-being over the last two weeks, PSS-4 about stress in the last month.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If the work is weighing on you, talk with your supervisor or contact the employee assistance program (see Resources).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My well-being</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Workspace</name>
    <message>
        <source>Navigation</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>page</name>
    <message>
        <source>Record a session</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
