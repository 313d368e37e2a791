log 'deploy'
