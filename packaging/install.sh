#!/usr/bin/env bash
# nianbao 年报助手：离线安装（Linux：银河麒麟、统信 UOS、Debian、Ubuntu 等）。不需要联网，不需要 root。
#
#   bash install.sh                      # 装到 ~/.local/share/nianbao，命令 nianbao 放在 ~/.local/bin
#   bash install.sh --prefix /opt/nianbao --bin /usr/local/bin   # 给所有用户装（需要 root）
#   bash install.sh --python /usr/bin/python3.11                 # 指定 Python
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
prefix="${HOME}/.local/share/nianbao"
bindir="${HOME}/.local/bin"
python=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --bin) bindir="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "不认识的参数：$1（可用 --prefix、--bin、--python）" >&2; exit 2 ;;
  esac
done

say() { printf '%s\n' "$*" >&2; }

# A Python this bundle has wheels for: 3.11 or 3.12.
usable() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] in ((3, 11), (3, 12)) else 1)' >/dev/null 2>&1
}

case "$(uname -m)" in
  x86_64|amd64) arch=x86_64 ;;
  aarch64|arm64) arch=aarch64 ;;
  *) say "不支持的处理器架构：$(uname -m)（离线包只含 x86_64 和 aarch64 的组件）"; exit 2 ;;
esac

if [ -n "$python" ]; then
  usable "$python" || { say "指定的 Python（$python）不是 3.11 或 3.12 版本。"; exit 2; }
else
  for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && usable "$(command -v "$candidate")"; then
      python="$(command -v "$candidate")"
      break
    fi
  done
fi

if [ -z "$python" ] && [ -f "$here/python-linux-$arch.tar.gz" ]; then
  # The bundle brings its own Python (for desktops whose Python is older, e.g. Kylin V10, UOS 20).
  say "系统中没有 Python 3.11 或 3.12，使用离线包自带的 Python。"
  mkdir -p "$prefix"
  rm -rf "$prefix/python"
  tar -xzf "$here/python-linux-$arch.tar.gz" -C "$prefix"
  python="$(ls "$prefix"/python/bin/python3.1[12] 2>/dev/null | head -n 1)"
  [ -n "$python" ] || python="$prefix/python/bin/python3"
  usable "$python" || { say "离线包自带的 Python 无法运行（$python）。"; exit 2; }
fi

if [ -z "$python" ]; then
  say "需要 Python 3.11 或 3.12，本机没有。"
  say "银河麒麟 V10、统信 UOS 20 自带的 Python 版本较旧（3.7、3.8），请向提供离线包的同志索取“带 Python 的离线包”"
  say "（生成时加 --python-archive），或先安装 Python 3.11/3.12，再用 --python 指定它。"
  exit 2
fi

wheels="$here/wheels"
pip_wheel="$(ls "$wheels"/pip-*.whl 2>/dev/null | head -n 1)"
[ -n "$pip_wheel" ] || { say "离线包不完整：wheels 文件夹中没有 pip。"; exit 2; }

say "使用 $python（$("$python" -c 'import sys; print(sys.version.split()[0])')），安装到 $prefix"
rm -rf "$prefix/venv"
# --without-pip: Debian, Kylin and UOS ship venv without ensurepip; pip is run from its wheel instead
"$python" -m venv --without-pip "$prefix/venv"
"$prefix/venv/bin/python" "$pip_wheel/pip" install --no-index --find-links "$wheels" --disable-pip-version-check -q \
  "nianbao[web]" pip

mkdir -p "$bindir"
ln -sf "$prefix/venv/bin/nianbao" "$bindir/nianbao"
"$bindir/nianbao" --version >/dev/null

case ":${PATH}:" in
  *":$bindir:"*) on_path=1 ;;
  *) on_path=0 ;;
esac
if [ "$on_path" = 0 ]; then
  line="export PATH=\"$bindir:\$PATH\"  # nianbao"
  for rc in "$HOME/.profile" "$HOME/.bashrc"; do
    if [ -f "$rc" ] || [ "$rc" = "$HOME/.profile" ]; then
      grep -qsF "$line" "$rc" || printf '\n%s\n' "$line" >> "$rc"
    fi
  done
  say "已把 $bindir 加入 PATH（写在 ~/.profile 和 ~/.bashrc 中）：重新打开终端后即可直接输入 nianbao。"
fi
say "安装完成：$("$bindir/nianbao" --version)。试一试：nianbao convert \"$here/examples/大庄乡人民政府2024.xlsx\" -o 大庄乡.docx"
say "生成 PDF 需要 LibreOffice（或 WPS 另存为 PDF）；报告字体按 GB/T 9704 使用方正小标宋、仿宋_GB2312 等，没有时自动找替代字体。"
