# Build the one-folder bundle dist\snapdesk\ with PyInstaller and smoke-test it (Windows).
#
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1              # active venv or .venv\
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1 -CleanVenv   # fresh build\venv-packaging
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1 -NoSmoke
param(
    [switch]$CleanVenv,
    [switch]$NoSmoke
)
$ErrorActionPreference = "Stop"
$Root = Resolve-Path (Join-Path $PSScriptRoot "..")
Set-Location $Root

function Invoke-Checked {
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit $LASTEXITCODE" }
}

if ($CleanVenv) {
    $Venv = Join-Path $Root "build\venv-packaging"
    if (Test-Path $Venv) { Remove-Item -Recurse -Force $Venv }
    $BasePython = if ($env:PYTHON) { $env:PYTHON } else { "py" }
    Invoke-Checked $BasePython @("-3.11", "-m", "venv", $Venv)
    $Py = Join-Path $Venv "Scripts\python.exe"
    Invoke-Checked $Py @("-m", "pip", "install", "--upgrade", "pip")
    Invoke-Checked $Py @("-m", "pip", "install", "$Root[packaging]")
} elseif ($env:VIRTUAL_ENV) {
    $Py = Join-Path $env:VIRTUAL_ENV "Scripts\python.exe"
} elseif (Test-Path (Join-Path $Root ".venv\Scripts\python.exe")) {
    $Py = Join-Path $Root ".venv\Scripts\python.exe"
} else {
    throw "build.ps1: no virtualenv active and no .venv\; use -CleanVenv"
}

if (-not $CleanVenv) {
    & $Py -c "import snapdesk" 2>$null
    if ($LASTEXITCODE -ne 0) { Invoke-Checked $Py @("-m", "pip", "install", "-e", "$Root") }
    & $Py -c "import PyInstaller" 2>$null
    if ($LASTEXITCODE -ne 0) { Invoke-Checked $Py @("-m", "pip", "install", "pyinstaller>=6") }
}

$Dist = Join-Path $Root "dist"
if (Test-Path (Join-Path $Dist "snapdesk")) { Remove-Item -Recurse -Force (Join-Path $Dist "snapdesk") }
Invoke-Checked $Py @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", $Dist, "--workpath", (Join-Path $Root "build\pyinstaller"),
    (Join-Path $Root "packaging\snapdesk.spec"))

$Bytes = (Get-ChildItem -Recurse -File (Join-Path $Dist "snapdesk") | Measure-Object -Sum Length).Sum
Write-Host ("build.ps1: bundle {0} ({1:N0} MiB)" -f (Join-Path $Dist "snapdesk"), ($Bytes / 1MB))
if (-not $NoSmoke) {
    Invoke-Checked $Py @((Join-Path $Root "packaging\smoke_test.py"), "--bundle", (Join-Path $Dist "snapdesk"))
}
