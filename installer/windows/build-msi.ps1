<#
.SYNOPSIS
  Build dist\PeerDesk-<version>-x64.msi on a Windows build machine.

.DESCRIPTION
  1. A build venv (build\msi-venv) with PyInstaller and PeerDesk installed from this checkout.
  2. The one-folder bundle from installer\peerdesk.spec (dist\peerdesk: peerdesk.exe for IT
     and scripts, peerdeskw.exe for the Start menu, _internal\, licenses\).
  3. WiX 3: heat harvests the bundle, candle and light build the MSI from
     installer\windows\peerdesk.wxs with the WixUtilExtension (for the ACL custom action).

  Needs Python 3.11+ (py launcher or python on PATH) and the WiX Toolset 3.x (heat, candle,
  light on PATH, or WIX set to its folder, as on GitHub's windows runners).

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File installer\windows\build-msi.ps1
#>
[CmdletBinding()]
param(
    [string]$Python = "python"
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
$root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $root
$started = Get-Date

function Invoke-Checked([string]$exe, [string[]]$arguments) {
    & $exe @arguments
    if ($LASTEXITCODE -ne 0) { throw "$exe failed with exit code $LASTEXITCODE" }
}

function Find-WixTool([string]$name) {
    $cmd = Get-Command $name -ErrorAction SilentlyContinue
    if ($cmd) { return $cmd.Source }
    foreach ($dir in @($env:WIX, "${env:ProgramFiles(x86)}\WiX Toolset v3.14", "${env:ProgramFiles(x86)}\WiX Toolset v3.11")) {
        if ($dir) {
            foreach ($candidate in @((Join-Path $dir "bin\$name.exe"), (Join-Path $dir "$name.exe"))) {
                if (Test-Path $candidate) { return $candidate }
            }
        }
    }
    throw "WiX 3 tool '$name' not found: install the WiX Toolset 3.x or set WIX"
}

$version = & $Python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
if ($LASTEXITCODE -ne 0) { throw "cannot read the version from pyproject.toml" }
Write-Host "Building PeerDesk $version"

# --- 1. Build venv.
$venv = "build\msi-venv"
if (-not (Test-Path "$venv\Scripts\python.exe")) { Invoke-Checked $Python @("-m", "venv", $venv) }
$vpy = Join-Path $venv "Scripts\python.exe"
Invoke-Checked $vpy @("-m", "pip", "install", "-q", "pyinstaller>=6.10,<7")
Invoke-Checked $vpy @("-m", "pip", "install", "-q", ".")
Invoke-Checked $vpy @("-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", ".")

# --- 2. Bundle.
Remove-Item -Recurse -Force "dist\peerdesk", "build\pyinstaller-work" -ErrorAction SilentlyContinue
Invoke-Checked $vpy @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", "dist", "--workpath", "build\pyinstaller-work", "installer\peerdesk.spec")
foreach ($exe in @("peerdesk.exe", "peerdeskw.exe")) {
    if (-not (Test-Path "dist\peerdesk\$exe")) { throw "PyInstaller made no $exe" }
}
Invoke-Checked "dist\peerdesk\peerdesk.exe" @("--version")

# --- 3. MSI.
$heat = Find-WixTool "heat"; $candle = Find-WixTool "candle"; $light = Find-WixTool "light"
$obj = "build\wix"
New-Item -ItemType Directory -Force $obj | Out-Null
Invoke-Checked $heat @("dir", "dist\peerdesk", "-nologo", "-cg", "BundleFiles", "-dr", "INSTALLDIR",
    "-srd", "-gg", "-sfrag", "-sreg", "-scom", "-var", "var.BundleDir", "-out", "$obj\bundle.wxs")
Invoke-Checked $candle @("-nologo", "-arch", "x64", "-ext", "WixUtilExtension",
    "-dVersion=$version", "-dBundleDir=dist\peerdesk", "-dWin64=yes", "-dWixl=0",
    "-dIconFile=installer\icons\peerdesk.ico", "-dPolicyFile=installer\windows\policy.toml",
    "-out", "$obj\", "installer\windows\peerdesk.wxs", "$obj\bundle.wxs")
$msi = "dist\PeerDesk-$version-x64.msi"
Invoke-Checked $light @("-nologo", "-ext", "WixUtilExtension", "-spdb",
    "-out", $msi, "$obj\peerdesk.wixobj", "$obj\bundle.wixobj")

$bundleMB = [math]::Round(((Get-ChildItem -Recurse "dist\peerdesk" | Measure-Object -Sum Length).Sum / 1MB), 1)
$msiMB = [math]::Round(((Get-Item $msi).Length / 1MB), 1)
$took = [int]((Get-Date) - $started).TotalSeconds
Write-Host "Built $msi: bundle $bundleMB MB, MSI $msiMB MB, build time $took s"
