@echo off
rem nianbao 年报助手：离线安装（双击运行）。
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
pause
