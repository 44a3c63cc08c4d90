# nianbao 年报助手：离线安装（Windows 10/11，64 位）。不需要联网，不需要管理员权限。
#   右键“使用 PowerShell 运行”，或双击 install.bat。
#   可选参数：-Prefix 安装位置（默认 %LOCALAPPDATA%\nianbao）  -Python 指定 python.exe
param(
    [string]$Prefix = (Join-Path $env:LOCALAPPDATA "nianbao"),
    [string]$Python = ""
)
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path

function Test-Usable([string]$exe, [string[]]$pre = @()) {
    try {
        & $exe @pre -c "import sys; sys.exit(0 if sys.version_info[:2] in ((3, 11), (3, 12)) else 1)" 2>$null | Out-Null
        return $LASTEXITCODE -eq 0
    } catch { return $false }
}

$exe = $null; $pre = @()
if ($Python) {
    if (-not (Test-Usable $Python)) { Write-Error "指定的 Python（$Python）不是 3.11 或 3.12 版本。"; exit 2 }
    $exe = $Python
} else {
    foreach ($v in @("-3.12", "-3.11")) {
        if ((Get-Command py -ErrorAction SilentlyContinue) -and (Test-Usable "py" @($v))) { $exe = "py"; $pre = @($v); break }
    }
    if (-not $exe -and (Get-Command python -ErrorAction SilentlyContinue) -and (Test-Usable "python")) { $exe = "python" }
}
if (-not $exe) {
    Write-Host "需要 Python 3.11 或 3.12（64 位），本机没有。请先安装 Python（安装时勾选“Add python.exe to PATH”），再运行本脚本。"
    exit 2
}

$pipWheel = Get-ChildItem (Join-Path $here "wheels\pip-*.whl") | Select-Object -First 1
if (-not $pipWheel) { Write-Error "离线包不完整：wheels 文件夹中没有 pip。"; exit 2 }

Write-Host "安装到 $Prefix ……"
$venv = Join-Path $Prefix "venv"
if (Test-Path $venv) { Remove-Item -Recurse -Force $venv }
& $exe @pre -m venv --without-pip $venv
if ($LASTEXITCODE -ne 0) { exit 2 }
$vpython = Join-Path $venv "Scripts\python.exe"
& $vpython (Join-Path $pipWheel.FullName "pip") install --no-index --find-links (Join-Path $here "wheels") `
    --disable-pip-version-check -q "nianbao[web]" pip
if ($LASTEXITCODE -ne 0) { exit 2 }

# The launcher pip made names its python.exe by full path: a copy in a folder of its own goes on the PATH
# (not the venv's Scripts, whose python.exe would hide another Python).
$bin = Join-Path $Prefix "bin"
New-Item -ItemType Directory -Force $bin | Out-Null
Copy-Item -Force (Join-Path $venv "Scripts\nianbao.exe") (Join-Path $bin "nianbao.exe")
$userPath = [Environment]::GetEnvironmentVariable("Path", "User")
if (-not $userPath) { $userPath = "" }
if (($userPath -split ";") -notcontains $bin) {
    [Environment]::SetEnvironmentVariable("Path", ($bin + ";" + $userPath).TrimEnd(";"), "User")
    Write-Host "已把 $bin 加入用户的 PATH：重新打开命令提示符或 PowerShell 后即可直接输入 nianbao。"
}
& (Join-Path $bin "nianbao.exe") --version
Write-Host "安装完成。试一试：nianbao convert `"$here\examples\大庄乡人民政府2024.xlsx`" -o 大庄乡.docx"
Write-Host "生成 PDF 需要 LibreOffice（或用 WPS、Word 另存为 PDF）；报告字体按 GB/T 9704 使用方正小标宋、仿宋_GB2312 等。"
